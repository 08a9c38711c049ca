package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"aitbc/gpu/health"
	"aitbc/internal/wait"

	"github.com/prometheus/client_golang/prometheus"
)

// alertsFile is the rule file the operators load (observability/prometheus).
const alertsFile = "../../observability/prometheus/alerts.yml"

// promOwnMetrics are series Prometheus makes itself, not the node.
var promOwnMetrics = map[string]bool{"up": true}

// gpuOnlyMetrics are exported only by a node with a CUDA build and an
// NVML-visible GPU; the test checks that gpu/health exports them instead.
var gpuOnlyMetrics = map[string]bool{"aitbc_gpu_healthy": true}

// alertMetrics returns the metric names the alert expressions use. Every
// node metric is aitbc_-prefixed, so a scan of the expressions finds them
// all without a PromQL parser.
func alertMetrics(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`\b(aitbc_[a-z0-9_]+|up)\b`)
	set := map[string]bool{}
	inExpr := false
	for _, line := range strings.Split(string(raw), "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "expr:"):
			inExpr = true
		case strings.HasPrefix(trim, "- alert:"), strings.HasPrefix(trim, "for:"), strings.HasPrefix(trim, "labels:"), strings.HasPrefix(trim, "annotations:"):
			inExpr = false
		}
		if !inExpr || strings.HasPrefix(trim, "#") {
			continue
		}
		for _, m := range name.FindAllString(line, -1) {
			set[m] = true
		}
	}
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	if len(out) < 10 {
		t.Fatalf("found only %d metric names in %s: %v", len(out), alertsFile, out)
	}
	return out
}

// exported reports whether the exposition text has a series of metric name.
func exported(text, name string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			return true
		}
	}
	return false
}

// TestAlertMetricsExported: every metric an alert rule reads is on the
// /metrics page of a running validator (a renamed metric would otherwise
// silently disable its alert), and the head gauges the stall alert compares
// carry live values.
func TestAlertMetricsExported(t *testing.T) {
	names := alertMetrics(t)
	home := initHome(t)
	node := startTestNode(t, home, nil, nil)
	url := fmt.Sprintf("http://127.0.0.1:%d/metrics", node.cfg.MetricsPort)
	scrape := func() string {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var text string
	// Height 3: the head time is a block's, and the signing counters have
	// seen a certificate.
	wait.Until(t, "height 3 and two signed commits", 30*time.Second, func() bool {
		text = scrape()
		return value(text, "aitbc_head_height") >= 3 && value(text, "aitbc_validator_signed_commits_total") >= 2
	})

	gpuReg := prometheus.NewRegistry()
	health.NewMetrics(gpuReg)
	mfs, err := gpuReg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	gpuNames := map[string]bool{}
	for _, mf := range mfs {
		gpuNames[mf.GetName()] = true
	}

	for _, n := range names {
		switch {
		case promOwnMetrics[n]:
		case gpuOnlyMetrics[n]:
			if !gpuNames[n] {
				t.Errorf("alert metric %s: not exported by gpu/health.NewMetrics", n)
			}
		case !exported(text, n):
			t.Errorf("alert metric %s: not on a running node's /metrics", n)
		}
	}
	for _, want := range []string{"aitbc_block_time_target_seconds 0.1", "aitbc_validator_set_size 1", "aitbc_mempool_capacity_txs 50000"} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if v := value(text, "aitbc_validator_missed_commits_total"); v != 0 {
		t.Errorf("a single validator missed %v of its own commits", v)
	}
	// The head is at most a few blocks old, in Unix seconds.
	if ht := value(text, "aitbc_head_time_seconds"); time.Since(time.UnixMilli(int64(ht*1e3))).Abs() > time.Minute {
		t.Errorf("aitbc_head_time_seconds %v is not the time of a block just committed", ht)
	}
}

// value is the sample of an unlabelled series in exposition text (-1 if absent).
func value(text, name string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}
