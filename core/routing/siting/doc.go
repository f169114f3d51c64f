// Package siting chooses warehouse sites that keep demand close: weighted
// k-means and a p-median local search over customer demand points, with
// planar (Euclidean) or latitude/longitude (haversine) distances.
//
// It is for network planning and the "supplyhub route site" command.
// Start with [Sweep] to compare both methods for k = 1..K by the
// demand-weighted distance they achieve, or call [KMeans] or [PMedian] for
// one k. [PMedian] picks sites among the demand points (or given
// candidates) and minimises Σ weight × distance directly; [KMeans] places
// free centroids minimising weighted squared distance, which is faster and
// a good first look. [Evaluate] scores any set of sites.
package siting
