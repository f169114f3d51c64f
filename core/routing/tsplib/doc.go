// Package tsplib reads and writes the TSPLIB95 and CVRPLIB file formats and
// computes their distances with the exact integer conventions the published
// best-known solutions depend on.
//
// It is for the routing solvers, the benchmark harness and anyone who wants
// to run Supplyhub's solvers on their own TSPLIB/CVRPLIB files. Start with
// [ReadFile] (or [Parse]) to load a .tsp or .vrp instance, [Instance.Dist]
// or [Instance.Matrix] for its distances, [ParseSolution] and
// [WriteSolution] for CVRPLIB ".sol" files, and [ParseTour] and [WriteTour]
// for TSPLIB ".tour" files.
//
// Numbering: TSPLIB numbers nodes from 1. In memory this package numbers
// them from 0 (node id k is index k-1). For CVRP instances whose depot is
// node 1, a customer's number in a ".sol" file (1..n) is therefore exactly
// its 0-based node index, and index 0 is the depot.
//
// Distances are integers: every edge is rounded on its own and a tour or
// route costs the sum of its rounded edges (see [EUC2D], [ATT], [CEIL2D],
// [GEO]).
package tsplib
