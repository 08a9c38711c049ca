package observability

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// slug is the anchor GitHub gives a Markdown heading.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// TestAlertRulesDocumentedAndTested: every alert in alerts.yml has a
// summary, a runbook that points at an existing section of
// docs/operations.md, and a promtool unit test in alerts_test.yml that
// expects it to fire. promtool itself (make alerts) checks the rest.
func TestAlertRulesDocumentedAndTested(t *testing.T) {
	rules, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	tests, err := os.ReadFile("prometheus/alerts_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(string(ops), -1) {
		anchors[slug(m[1])] = true
	}

	// Split the rule file at each "- alert:" so each block is one rule.
	blocks := regexp.MustCompile(`(?m)^\s+- alert: `).Split(string(rules), -1)[1:]
	if len(blocks) < 9 {
		t.Fatalf("%d alerts in alerts.yml, want the 9 of issue #13", len(blocks))
	}
	// An alert is tested when some eval of it expects at least one alert.
	fired := map[string]bool{}
	for _, m := range regexp.MustCompile(`alertname: (\w+)\s+exp_alerts:\s+- exp_labels`).FindAllStringSubmatch(string(tests), -1) {
		fired[m[1]] = true
	}
	runbook := regexp.MustCompile(`runbook: "docs/operations\.md#([a-z0-9_-]+)"`)
	for _, b := range blocks {
		name := strings.TrimSpace(strings.SplitN(b, "\n", 2)[0])
		if !strings.Contains(b, "summary: ") {
			t.Errorf("%s: no summary annotation", name)
		}
		m := runbook.FindStringSubmatch(b)
		switch {
		case m == nil:
			t.Errorf("%s: no runbook annotation pointing into docs/operations.md", name)
		case !anchors[m[1]]:
			t.Errorf("%s: runbook anchor #%s is not a heading of docs/operations.md", name, m[1])
		}
		if !fired[name] {
			t.Errorf("%s: no test in alerts_test.yml expects it to fire", name)
		}
	}
}
