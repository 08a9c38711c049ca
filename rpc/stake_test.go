package rpc

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
	"aitbc/rpc/internal/rpctest"
)

// Keys of the staking fixture: one record of every status.
const (
	seedAlice     = 1  // authority in the set: active
	seedCarol     = 3  // authority of the genesis set, left the set: candidate (hybrid)
	seedDave      = 4  // staker in the set: active, with missed blocks
	seedErin      = 5  // staker in the set, jailed since
	seedFrank     = 6  // staker in the set, tombstoned since
	seedGina      = 7  // staker with stake, not elected: candidate
	seedHank      = 8  // staker unstaked everything: unbonding
	seedIvan      = 9  // staker with nothing bonded or unbonding: inactive
	seedNoStake   = 10 // never staked
	stakeEpochLen = 10
)

func seedAddr(seed byte) types.Address { return rpctest.Addr(rpctest.Key(seed)) }

func stakeRecord(t testing.TB, seed byte, kind state.StakeKind) state.StakeRecord {
	k := rpctest.Key(seed)
	rec := state.StakeRecord{Address: rpctest.Addr(k), Kind: kind, BLSPubKey: testBLSKey(t, seed)}
	copy(rec.PubKey[:], k.Public().(ed25519.PublicKey))
	return rec
}

// makeHybrid turns b into a hybrid chain at head 25 (epoch 2; the next
// height, 26, too): epochs 0 and 1 signed by the genesis authorities alice
// and carol, epoch 2 by alice, dave, erin and frank; epoch 3 not elected.
func makeHybrid(t testing.TB, b *memBackend) {
	b.mode, b.epochLen = "hybrid", stakeEpochLen
	b.head.Height = 25
	genesis := testSet(t, testMember(t, seedAlice, 50), testMember(t, seedCarol, 30))
	epoch2 := testSet(t, testMember(t, seedAlice, 50), testMember(t, seedDave, 40), testMember(t, seedErin, 20), testMember(t, seedFrank, 10))
	b.sets = []*validators.Set{genesis, genesis, epoch2}

	alice := stakeRecord(t, seedAlice, state.KindAuthority)
	alice.Power = 50
	carol := stakeRecord(t, seedCarol, state.KindAuthority)
	carol.Power = 30
	dave := stakeRecord(t, seedDave, state.KindStaker)
	dave.Bonded, dave.Missed, dave.MissedCount = 4000, []byte{0b1011}, 3
	dave.Unbonding = []state.Unbonding{{Amount: 100, Release: 40, Start: 20}, {Amount: 7, Release: 44, Start: 24}}
	erin := stakeRecord(t, seedErin, state.KindStaker)
	erin.Bonded, erin.Jailed, erin.JailedUntil = 2000, true, 60
	frank := stakeRecord(t, seedFrank, state.KindStaker)
	frank.Bonded, frank.Jailed, frank.Tombstoned = 950, true, true
	gina := stakeRecord(t, seedGina, state.KindStaker)
	gina.Bonded = 500
	hank := stakeRecord(t, seedHank, state.KindStaker)
	hank.Unbonding = []state.Unbonding{{Amount: 50, Release: 30, Start: 20}}
	ivan := stakeRecord(t, seedIvan, state.KindStaker)
	b.stakes = map[types.Address]state.StakeRecord{}
	for _, r := range []state.StakeRecord{alice, carol, dave, erin, frank, gina, hank, ivan} {
		b.stakes[r.Address] = r
	}
}

func TestGetStake(t *testing.T) {
	f := newFixture(t)
	makeHybrid(t, f.b)
	srv := startServer(t, f.b, nil)
	tests := []struct {
		seed         byte
		kind, status string
	}{
		{seedAlice, "authority", api.StatusActive},
		{seedCarol, "authority", api.StatusCandidate},
		{seedDave, "staker", api.StatusActive},
		{seedErin, "staker", api.StatusJailed},
		{seedFrank, "staker", api.StatusTombstoned},
		{seedGina, "staker", api.StatusCandidate},
		{seedHank, "staker", api.StatusUnbonding},
		{seedIvan, "staker", api.StatusInactive},
	}
	for _, tc := range tests {
		t.Run(tc.status+"/"+tc.kind, func(t *testing.T) {
			addr := seedAddr(tc.seed)
			r := call(t, srv, "GET", "/rpc/get_stake/"+addr.String(), "")
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var got api.StakeJSON
			decodeStrict(t, r.body, &got)
			rec := f.b.stakes[addr]
			if got.Address != addr || got.Kind != tc.kind || got.Status != tc.status || uint64(got.Bonded) != rec.Bonded ||
				uint64(got.Power) != rec.Power || got.Jailed != rec.Jailed || got.JailedUntil != rec.JailedUntil ||
				got.Tombstoned != rec.Tombstoned || got.MissedCount != rec.MissedCount ||
				string(got.BLSPubKey) != string(rec.BLSPubKey[:]) || string(got.PubKey) != string(rec.PubKey[:]) {
				t.Fatalf("%+v for %+v", got, rec)
			}
			if got.Unbonding == nil || len(got.Unbonding) != len(rec.Unbonding) {
				t.Fatalf("unbonding %+v, want %+v", got.Unbonding, rec.Unbonding)
			}
			for i, u := range rec.Unbonding {
				if w := (api.UnbondingJSON{Amount: types.Amount(u.Amount), ReleaseHeight: u.Release, StartHeight: u.Start}); got.Unbonding[i] != w {
					t.Fatalf("unbonding %d: %+v, want %+v", i, got.Unbonding[i], w)
				}
			}
		})
	}
	// The wire names of dave's record.
	r := call(t, srv, "GET", "/rpc/get_stake/"+seedAddr(seedDave).String(), "")
	for _, want := range []string{`"kind":"staker"`, `"status":"active"`, `"bonded":"4000"`, `"power":"0"`, `"missed_count":3`,
		`"unbonding":[{"amount":"100","release_height":40,"start_height":20},{"amount":"7","release_height":44,"start_height":24}]`,
		`"jailed":false`, `"jailed_until":0`, `"tombstoned":false`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("get_stake body lacks %s: %s", want, r.body)
		}
	}
	// An empty unbonding list is [], not null.
	if r := call(t, srv, "GET", "/rpc/get_stake/"+seedAddr(seedAlice).String(), ""); !strings.Contains(string(r.body), `"unbonding":[]`) {
		t.Errorf("alice: %s", r.body)
	}

	// A staker that entered the set of the next epoch only is still a
	// candidate: the status is against the set of head+1.
	f.b.sets = append(f.b.sets, testSet(t, testMember(t, seedGina, 5)))
	if got := getStakeStatus(t, srv, seedGina); got != api.StatusCandidate {
		t.Errorf("gina elected for epoch 3 at head 25: %s, want candidate", got)
	}
	f.b.head.Height = 30 // head+1 = 31, epoch 3
	if got := getStakeStatus(t, srv, seedGina); got != api.StatusActive {
		t.Errorf("gina at head 30: %s, want active", got)
	}
	if got := getStakeStatus(t, srv, seedDave); got != api.StatusCandidate {
		t.Errorf("dave out of the set at head 30: %s, want candidate", got)
	}
}

func getStakeStatus(t *testing.T, srv *httptest.Server, seed byte) string {
	t.Helper()
	r := call(t, srv, "GET", "/rpc/get_stake/"+seedAddr(seed).String(), "")
	if r.status != 200 {
		t.Fatalf("get_stake: %d %s", r.status, r.body)
	}
	var got api.StakeJSON
	decodeStrict(t, r.body, &got)
	return got.Status
}

func TestGetStakeErrors(t *testing.T) {
	f := newFixture(t)
	poa := startServer(t, f.b, nil) // f.b stays poa
	h := newFixture(t)
	makeHybrid(t, h.b)
	hybrid := startServer(t, h.b, nil)
	tests := []struct {
		name   string
		srv    *httptest.Server
		path   string
		status int
		code   string
		msg    string
	}{
		{"never staked", hybrid, "/rpc/get_stake/" + seedAddr(seedNoStake).String(), 404, api.CodeNoStake, "no stake record"},
		{"poa", poa, "/rpc/get_stake/" + rpctest.Addr(f.alice).String(), 404, api.CodeNoStake, "poa"},
		{"bad address", hybrid, "/rpc/get_stake/ait1nope", 400, api.CodeBadAddress, ""},
		{"short hex address", hybrid, "/rpc/get_stake/0x1234", 400, api.CodeBadAddress, ""},
		{"query parameter", hybrid, "/rpc/get_stake/" + seedAddr(seedAlice).String() + "?height=3", 400, api.CodeBadQuery, ""},
		{"no address", hybrid, "/rpc/get_stake/", 404, api.CodeNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, tc.srv, "GET", tc.path, "")
			if r.status != tc.status || errorCode(t, r) != tc.code || !strings.Contains(string(r.body), tc.msg) {
				t.Fatalf("%d %s, want %d %s (%q)", r.status, r.body, tc.status, tc.code, tc.msg)
			}
		})
	}
	// Client.Stake returns the typed error.
	c := &client.Client{BaseURL: hybrid.URL}
	var ae *api.Error
	if _, err := c.Stake(context.Background(), seedAddr(seedNoStake)); !errors.As(err, &ae) || ae.Status != 404 || ae.Code != api.CodeNoStake {
		t.Fatalf("Client.Stake of an address without a record: %v", err)
	}
	if got, err := c.Stake(context.Background(), seedAddr(seedHank)); err != nil || got.Status != api.StatusUnbonding || len(got.Unbonding) != 1 {
		t.Fatalf("Client.Stake = %+v, %v", got, err)
	}
}

// wantMember is what get_validators says of one member.
type wantMember struct {
	seed          byte
	weight        uint64
	kind, status  string
	stake, missed uint64
}

func checkValidators(t *testing.T, got api.ValidatorsResponse, epoch, start uint64, want []wantMember) {
	t.Helper()
	var total uint64
	for _, w := range want {
		total += w.weight
	}
	if got.Epoch != epoch || got.StartHeight != start || uint64(got.TotalPower) != total || len(got.Validators) != len(want) {
		t.Fatalf("epoch %d start %d total %d, %d members; want %d %d %d %d: %+v", got.Epoch, got.StartHeight, got.TotalPower,
			len(got.Validators), epoch, start, total, len(want), got)
	}
	for i, w := range want {
		v := got.Validators[i]
		k := rpctest.Key(w.seed)
		bk := testBLSKey(t, w.seed)
		if v.Index != i || v.Address != rpctest.Addr(k) || string(v.PubKey) != string(k.Public().(ed25519.PublicKey)) ||
			string(v.BLSPubKey) != string(bk[:]) || uint64(v.Power) != w.weight || v.Kind != w.kind || v.Status != w.status ||
			uint64(v.Stake) != w.stake || v.Missed != w.missed {
			t.Errorf("member %d: %+v, want %+v", i, v, w)
		}
	}
}

func TestGetValidatorsStaking(t *testing.T) {
	f := newFixture(t)
	makeHybrid(t, f.b)
	srv := startServer(t, f.b, nil)
	c := &client.Client{BaseURL: srv.URL}
	ctx := context.Background()
	epoch2 := []wantMember{
		{seedAlice, 50, "authority", api.StatusActive, 0, 0},
		{seedDave, 40, "staker", api.StatusActive, 4000, 3},
		{seedErin, 20, "staker", api.StatusJailed, 2000, 0},
		{seedFrank, 10, "staker", api.StatusTombstoned, 950, 0},
	}
	genesis := []wantMember{
		{seedAlice, 50, "authority", api.StatusActive, 0, 0},
		{seedCarol, 30, "authority", api.StatusActive, 0, 0}, // in the set of those heights
	}
	for _, tc := range []struct {
		height, epoch, start uint64
		want                 []wantMember
	}{
		{0, 2, 21, epoch2}, // head+1 = 26
		{21, 2, 21, epoch2},
		{30, 2, 21, epoch2},
		{1, 0, 1, genesis},
		{10, 0, 1, genesis},
		{11, 1, 11, genesis},
		{20, 1, 11, genesis},
	} {
		got, err := c.Validators(ctx, tc.height)
		if err != nil {
			t.Fatalf("height %d: %v", tc.height, err)
		}
		checkValidators(t, got, tc.epoch, tc.start, tc.want)
	}
	// The wire names.
	r := call(t, srv, "GET", "/rpc/get_validators", "")
	for _, want := range []string{`"epoch":2`, `"start_height":21`, `"total_power":"120","total_weight":"120"`,
		`"power":"40","weight":"40","kind":"staker","stake":"4000","status":"active","missed":3`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("get_validators body lacks %s: %s", want, r.body)
		}
	}
	// Epoch 3 is not elected yet.
	for _, path := range []string{"/rpc/get_validators?height=31", "/rpc/get_validators?height=9223372036854775807"} {
		if r := call(t, srv, "GET", path, ""); r.status != 404 || errorCode(t, r) != api.CodeNotFound {
			t.Errorf("%s: %d %s, want 404 not_found", path, r.status, r.body)
		}
	}
	for _, path := range []string{"/rpc/get_validators?height=0", "/rpc/get_validators?height=x", "/rpc/get_validators?height=9223372036854775808"} {
		if r := call(t, srv, "GET", path, ""); r.status != 400 || errorCode(t, r) != api.CodeBadHeight {
			t.Errorf("%s: %d %s, want 400 bad_height", path, r.status, r.body)
		}
	}
	// Once elected, it is served.
	f.b.sets = append(f.b.sets, testSet(t, testMember(t, seedGina, 5), testMember(t, seedDave, 4)))
	got, err := c.Validators(ctx, 31)
	if err != nil {
		t.Fatal(err)
	}
	checkValidators(t, got, 3, 31, []wantMember{
		{seedGina, 5, "staker", api.StatusActive, 500, 0},
		{seedDave, 4, "staker", api.StatusActive, 4000, 3},
	})
}

// On a poa chain every member is an active authority without stake, and
// the set is served without a SQL index.
func TestGetValidatorsPoA(t *testing.T) {
	f := newFixture(t)
	f.b.sets[0] = testSet(t, testMember(t, seedAlice, 5), testMember(t, seedCarol, 2))
	srv := startServer(t, f.b, nil) // no index attached
	c := &client.Client{BaseURL: srv.URL}
	want := []wantMember{{seedAlice, 5, "authority", api.StatusActive, 0, 0}, {seedCarol, 2, "authority", api.StatusActive, 0, 0}}
	for _, tc := range []struct{ height, epoch, start uint64 }{{0, 0, 1}, {100, 0, 1}, {101, 1, 101}, {1 << 40, (1<<40 - 1) / 100, (1<<40-1)/100*100 + 1}} {
		got, err := c.Validators(context.Background(), tc.height)
		if err != nil {
			t.Fatalf("height %d: %v", tc.height, err)
		}
		checkValidators(t, got, tc.epoch, tc.start, want)
	}
}

// The status rules on their own, including the mode's part.
func TestStakeStatus(t *testing.T) {
	auth := state.StakeRecord{Kind: state.KindAuthority, Power: 5}
	tests := []struct {
		name  string
		rec   state.StakeRecord
		mode  string
		inSet bool
		want  string
	}{
		{"tombstoned beats all", state.StakeRecord{Tombstoned: true, Jailed: true, Bonded: 9}, "pos", true, api.StatusTombstoned},
		{"jailed beats in set", state.StakeRecord{Jailed: true, Bonded: 9}, "pos", true, api.StatusJailed},
		{"in set", state.StakeRecord{Bonded: 9}, "pos", true, api.StatusActive},
		{"in set with nothing bonded", state.StakeRecord{Unbonding: []state.Unbonding{{Amount: 1, Release: 2, Start: 3}}}, "pos", true, api.StatusActive},
		{"bonded", state.StakeRecord{Bonded: 1}, "pos", false, api.StatusCandidate},
		{"bonded and unbonding", state.StakeRecord{Bonded: 1, Unbonding: []state.Unbonding{{Amount: 1, Release: 2, Start: 3}}}, "pos", false, api.StatusCandidate},
		{"unbonding", state.StakeRecord{Unbonding: []state.Unbonding{{Amount: 1, Release: 2, Start: 3}}}, "pos", false, api.StatusUnbonding},
		{"nothing", state.StakeRecord{}, "pos", false, api.StatusInactive},
		{"hybrid authority", auth, "hybrid", false, api.StatusCandidate},
		{"pos authority", auth, "pos", false, api.StatusInactive},
		{"hybrid authority without power", state.StakeRecord{Kind: state.KindAuthority}, "hybrid", false, api.StatusInactive},
	}
	for _, tc := range tests {
		if got := stakeStatus(&tc.rec, tc.mode, tc.inSet); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
