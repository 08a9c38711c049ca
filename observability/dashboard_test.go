package observability

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// exportedMetrics is every metric name the node exports for the dashboard;
// kind "histogram" also allows the _bucket, _sum and _count series.
var exportedMetrics = map[string]string{
	"aitbc_head_height":                         "gauge",
	"aitbc_block_interval_seconds":              "histogram",
	"aitbc_txs_committed_total":                 "counter",
	"aitbc_mempool_txs":                         "gauge",
	"aitbc_mempool_bytes":                       "gauge",
	"aitbc_finality_latency_seconds":            "histogram",
	"aitbc_sigverify_batch_size":                "histogram",
	"aitbc_sigverify_batch_duration_seconds":    "histogram",
	"aitbc_sigverify_verifications_total":       "counter",
	"aitbc_sigverify_fallbacks_total":           "counter",
	"aitbc_rpc_requests_total":                  "counter",
	"aitbc_rpc_request_duration_seconds":        "histogram",
	"aitbc_ws_connections":                      "gauge",
	"aitbc_ws_messages_sent_total":              "counter",
	"aitbc_ws_dropped_clients_total":            "counter",
	"aitbc_storage_commit_duration_seconds":     "histogram",
	"aitbc_index_lag_blocks":                    "gauge",
	"aitbc_peers":                               "gauge",
	"aitbc_consensus_round_changes_total":       "counter",
	"aitbc_consensus_timeouts_total":            "counter",
	"aitbc_consensus_commit_round":              "gauge",
	"aitbc_consensus_rejected_messages_total":   "counter",
	"aitbc_consensus_equivocations_total":       "counter",
	"aitbc_consensus_commits_from_sync_total":   "counter",
	"aitbc_consensus_votes_batch_checked_total": "counter",
	"aitbc_consensus_votes_surplus_total":       "counter",
	"aitbc_gossip_peers":                        "gauge",
	"aitbc_gossip_frames_received_total":        "counter",
	"aitbc_gossip_frames_sent_total":            "counter",
	"aitbc_gossip_received_bytes_total":         "counter",
	"aitbc_gossip_sent_bytes_total":             "counter",
	"aitbc_gossip_dropped_frames_total":         "counter",
	"aitbc_gossip_penalties_total":              "counter",
	"aitbc_gossip_bans_total":                   "counter",
	"aitbc_gossip_handshake_failures_total":     "counter",
	"aitbc_sync_blocks_behind":                  "gauge",
	"aitbc_sync_blocks_total":                   "counter",
	"aitbc_sync_blocks_served_total":            "counter",
	"aitbc_consensus_messages_sent_total":       "counter",
	"aitbc_peer_messages_received_total":        "counter",
	"aitbc_peer_queue_drops_total":              "counter",
	"aitbc_peer_penalties_total":                "counter",
	"aitbc_evidence_recorded_total":             "counter",
	"aitbc_evidence_store_errors_total":         "counter",
	"aitbc_evidence_received_total":             "counter",
	"aitbc_validator_set_size":                  "gauge",
	"aitbc_validator_set_power":                 "gauge",
	"aitbc_stake_bonded":                        "gauge",
	"aitbc_slashes_total":                       "counter",
	"aitbc_slashed_stake_total":                 "counter",
	"aitbc_elections_total":                     "counter",
	"aitbc_gpu_utilization_ratio":               "gauge",
	"aitbc_gpu_memory_used_bytes":               "gauge",
	"aitbc_gpu_memory_total_bytes":              "gauge",
	"aitbc_gpu_temperature_celsius":             "gauge",
	"aitbc_gpu_power_watts":                     "gauge",
	"aitbc_gpu_healthy":                         "gauge",
	"aitbc_gpu_ecc_uncorrected_errors":          "gauge",
}

var (
	reString       = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	reMatchers     = regexp.MustCompile(`\{[^{}]*\}`)
	reRange        = regexp.MustCompile(`\[[^\[\]]*\]`)
	reGrouping     = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	reIdent        = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	promqlKeywords = map[string]bool{
		"and": true, "or": true, "unless": true, "bool": true, "offset": true,
		"by": true, "without": true, "on": true, "ignoring": true,
		"group_left": true, "group_right": true, "inf": true, "nan": true,
	}
)

// metricNames returns the metric names a PromQL expression selects: what is
// left once strings, label matchers, ranges, groupings, function names and
// keywords are removed.
func metricNames(expr string) []string {
	s := reString.ReplaceAllString(expr, `""`)
	s = reMatchers.ReplaceAllString(s, " ")
	s = reRange.ReplaceAllString(s, " ")
	s = reGrouping.ReplaceAllString(s, " ")
	var out []string
	for _, loc := range reIdent.FindAllStringIndex(s, -1) {
		if loc[0] > 0 && (s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9' || s[loc[0]-1] == '.') {
			continue // exponent or suffix of a number literal
		}
		name := s[loc[0]:loc[1]]
		if promqlKeywords[strings.ToLower(name)] {
			continue
		}
		if rest := strings.TrimLeft(s[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // function or aggregation call
		}
		out = append(out, name)
	}
	return out
}

// baseMetric maps a series name to the exported metric it belongs to, or "".
func baseMetric(name string) string {
	if _, ok := exportedMetrics[name]; ok {
		return name
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && exportedMetrics[base] == "histogram" {
			return base
		}
	}
	return ""
}

func TestMetricNames(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`aitbc_head_height`, []string{"aitbc_head_height"}},
		{`max by (instance) (aitbc_head_height{instance=~"$instance"})`, []string{"aitbc_head_height"}},
		{`histogram_quantile(0.99, sum by (le) (rate(aitbc_x_bucket{a="b{c}"}[$__rate_interval])))`, []string{"aitbc_x_bucket"}},
		{`rate(foo_total[5m]) / on (instance) group_left bar`, []string{"foo_total", "bar"}},
		{`sum(rate(a[1m])) by (route) > 1e3 and b offset 5m`, []string{"a", "b"}},
	}
	for _, tt := range tests {
		if got := metricNames(tt.expr); !slices.Equal(got, tt.want) {
			t.Errorf("metricNames(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

type dashPanel struct {
	Title   string                  `json:"title"`
	Type    string                  `json:"type"`
	Targets []struct{ Expr string } `json:"targets"`
	Panels  []dashPanel             `json:"panels"`
}

func TestDashboardUsesOnlyExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("grafana/aitbc.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title      string      `json:"title"`
		UID        string      `json:"uid"`
		Panels     []dashPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard is not valid JSON: %v", err)
	}
	if dash.Title == "" || dash.UID == "" {
		t.Fatalf("dashboard needs a title and a uid")
	}
	used := map[string]bool{}
	exprs := 0
	var walk func([]dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				exprs++
				names := metricNames(tg.Expr)
				if len(names) == 0 {
					t.Errorf("panel %q: expr %q selects no metric", p.Title, tg.Expr)
				}
				for _, n := range names {
					base := baseMetric(n)
					if base == "" {
						t.Errorf("panel %q: expr %q uses %q, which the node does not export", p.Title, tg.Expr, n)
						continue
					}
					used[base] = true
				}
			}
		}
	}
	walk(dash.Panels)
	if exprs == 0 {
		t.Fatal("dashboard has no queries")
	}
	reLabelValues := regexp.MustCompile(`label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)`)
	for _, v := range dash.Templating.List {
		if m := reLabelValues.FindStringSubmatch(v.Definition); m != nil && baseMetric(m[1]) == "" {
			t.Errorf("variable %q uses %q, which the node does not export", v.Name, m[1])
		}
	}
	for name := range exportedMetrics {
		if !used[name] {
			t.Errorf("no panel shows %s", name)
		}
	}
}
