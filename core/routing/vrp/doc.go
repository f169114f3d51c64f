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
// HGS-CVRP (2022) up to 300 customers and, above, an iterated local search
// that ruins and recreates a few strings of customers (after Christiaens
// and Vanden Berghe's SISR) and repairs with the same granular local
// search; see [Method]. The TSP solver is an iterated local search with
// 2-opt and Or-opt moves over neighbour lists and don't-look bits,
// perturbed by local double bridges. All are deterministic for a seed and
// an iteration budget; with a wall-clock limit, results depend on the
// machine's speed. [Fleet] selects an unlimited fleet (CVRPLIB X set) or
// an exact number of routes (Augerat A and P sets).
//
// Time windows are the next step: the local search evaluates routes from
// per-node cumulated data (load, reversal cost), which is where forward
// and backward time-warp segments would go, as in HGS-TW.
package vrp
