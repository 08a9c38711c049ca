// Package quantile holds the one percentile rule the benchmarks report
// (nearest rank over sorted durations).
package quantile
