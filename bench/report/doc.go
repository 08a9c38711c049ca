// Package report is the benchmark report of `aitbcd bench suite`: the
// JSON document (Report: the machine, the commit, the config and every
// measured point), its renderings (report.svg drawn here without a
// plotting library, summary.md with the targets of issue #12 and whether
// each was met), the decoder that `aitbcd bench compare` reads files
// with (Parse, typed errors, fuzzed) and Compare, the ratios of two
// reports. It measures nothing itself: package suite fills a Report.
package report
