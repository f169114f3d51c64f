// Package vrp solves travelling salesman (TSP) and capacitated vehicle
// routing (CVRP) problems with time-limited, seeded local-search
// metaheuristics, and checks solutions.
//
// It is for Supplyhub's delivery planning and for the "supplyhub route tsp"
// and "supplyhub route cvrp" commands. Start with [FromTSPLIB] (or fill an
// [Instance] yourself: node 0 is the depot, an integer distance matrix,
// demands and a capacity), then call [SolveCVRP] or [SolveTSP] with a
// [Config] that bounds the run by TimeLimit, MaxIterations or a context
// deadline. [Check] and [TourCost] verify any solution.
//
// The CVRP solver is a hybrid genetic search in the manner of Vidal's
// HGS-CVRP (2022); the TSP solver is an iterated local search with 2-opt
// and Or-opt moves over neighbour lists and don't-look bits, perturbed by
// local double bridges. Both are deterministic for a seed and an iteration
// budget; with a wall-clock limit, results depend on the machine's speed.
// [Fleet] selects an unlimited fleet (CVRPLIB X set) or an exact number of
// routes (Augerat A and P sets).
package vrp
