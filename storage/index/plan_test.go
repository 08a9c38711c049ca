package index

import (
	"strings"
	"testing"
)

// The address query must walk the two address indexes, not scan txs.
func TestTxsByAddressUsesIndexes(t *testing.T) {
	ix := openIndex(t, "sqlite::memory:")
	q := "EXPLAIN QUERY PLAN " + txsByAddressQuery(ix.d)
	type step struct {
		ID     int    `db:"id"`
		Parent int    `db:"parent"`
		NotU   int    `db:"notused"`
		Detail string `db:"detail"`
	}
	var plan []step
	if err := ix.r.Select(&plan, q, "a", 1, 1, 1, "a", 1, 1, 1, 1); err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, s := range plan {
		all = append(all, s.Detail)
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"USING INDEX txs_by_sender", "USING INDEX txs_by_recipient"} {
		if !strings.Contains(text, want) {
			t.Errorf("query plan lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "SCAN txs") {
		t.Errorf("query plan scans txs:\n%s", text)
	}
	t.Log(text)
}
