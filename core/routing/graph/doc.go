// Package graph finds shortest paths on weighted road graphs with
// Dijkstra's algorithm and A*.
//
// It is for routing code and the "supplyhub route shortest-path" command.
// Start with [New], [Graph.AddNode] and [Graph.AddEdge] (or [FromMatrix]),
// then [Graph.ShortestPath] for one pair, [Graph.Dijkstra] for a whole
// shortest-path tree, or [Graph.AStar] with an admissible [Heuristic]:
// [Euclidean] when nodes have positions (scaled with [ConsistentScale]) or
// [Landmarks] when they do not. Weights must be finite and non-negative.
package graph
