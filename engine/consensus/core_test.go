package consensus

import (
	"errors"
	"fmt"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		mut   func(c *Config)
		field string
	}{
		{"empty chain", func(c *Config) { c.ChainID = "" }, "ChainID"},
		{"bad chain", func(c *Config) { c.ChainID = "a b" }, "ChainID"},
		{"zero propose", func(c *Config) { c.TimeoutPropose = 0 }, "TimeoutPropose"},
		{"zero prevote", func(c *Config) { c.TimeoutPrevote = 0 }, "TimeoutPrevote"},
		{"zero precommit", func(c *Config) { c.TimeoutPrecommit = 0 }, "TimeoutPrecommit"},
		{"negative delta", func(c *Config) { c.TimeoutDelta = -1 }, "TimeoutDelta"},
		{"negative commit", func(c *Config) { c.TimeoutCommit = -1 }, "TimeoutCommit"},
		{"huge propose", func(c *Config) { c.TimeoutPropose = MaxTimeoutTicks + 1 }, "TimeoutPropose"},
	}
	for _, c := range cases {
		cfg := DefaultConfig()
		c.mut(&cfg)
		err := cfg.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !containsWord(err.Error(), c.field) {
			t.Errorf("%s: err = %v, want one naming %s", c.name, err, c.field)
		}
	}
	zero := DefaultConfig()
	zero.TimeoutDelta, zero.TimeoutCommit = 0, 0
	if err := zero.Validate(); err != nil {
		t.Errorf("zero delta and commit wait are allowed: %v", err)
	}
}

func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w {
			return true
		}
	}
	return false
}

func TestNewStartChecks(t *testing.T) {
	set, keys := valtest.Set(1)
	cert, err := set.MakeCommit(4, 0, types.Sum256([]byte("b")), []*types.Vote{valtest.Vote(testChain, keys[0], types.Precommit, 0, 4, 0, types.Sum256([]byte("b")))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		start Start
		ok    bool
	}{
		{"height 1", Start{Height: 1}, true},
		{"height 0", Start{}, false},
		{"height 1 with a commit", Start{Height: 1, LastCommit: cert}, false},
		{"height 5 without a commit", Start{Height: 5}, false},
		{"height 5 with the commit of 4", Start{Height: 5, LastCommit: cert}, true},
		{"height 6 with the commit of 4", Start{Height: 6, LastCommit: cert}, false},
	} {
		_, err := New(scriptConfig(), set, nil, c.start, nil)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", c.name, err)
		}
	}
	if _, err := New(Config{}, set, nil, Start{Height: 1}, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bad config: %v", err)
	}
	if _, err := New(scriptConfig(), nil, nil, Start{Height: 1}, nil); err == nil {
		t.Error("nil set accepted")
	}
}

// pipeline is what engine does with a Ready, reduced to the consensus
// contract: build on request, validate, record commits.
type pipeline struct {
	t       *testing.T
	set     *validators.Set
	commits []Commit
	wal     []Message
	name    string
}

func (p *pipeline) handle(c *Core) {
	for c.HasReady() {
		rd := c.Ready()
		p.wal = append(p.wal, rd.Persist...)
		var follow []Message
		if b := rd.BuildBlock; b != nil {
			blk := testBlock(p.set, fmt.Sprintf("%s-%d-%d", p.name, b.Height, b.Round), b.Height, b.Round, b.LastCommit)
			follow = append(follow, &BlockBuilt{Height: b.Height, Round: b.Round, Block: blk})
		}
		for _, blk := range rd.Validate {
			follow = append(follow, &BlockValidated{Hash: blk.Hash(), Valid: true})
		}
		p.commits = append(p.commits, rd.Committed...)
		c.Advance()
		for _, m := range follow {
			if err := c.Step(m); err != nil {
				p.t.Fatalf("pipeline answer rejected: %v", err)
			}
		}
	}
}

// TestSingleValidatorTenHeights drives a one-validator core exactly as the
// pipeline does: every height commits at once, with a one-signer
// certificate, and the next one starts TimeoutCommit ticks later.
func TestSingleValidatorTenHeights(t *testing.T) {
	set, keys := valtest.Set(1)
	cfg := DefaultConfig()
	cfg.ChainID = testChain
	c, err := New(cfg, set, NewKeySigner(keys[0].BLS), Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline{t: t, set: set, name: "solo"}
	var commitTicks []uint64
	for tick := 0; len(p.commits) < 10; tick++ {
		if tick > 20*cfg.TimeoutCommit {
			t.Fatalf("only %d commits after %d ticks", len(p.commits), tick)
		}
		before := len(p.commits)
		p.handle(c)
		if len(p.commits) > before {
			commitTicks = append(commitTicks, c.now)
		}
		c.Tick()
	}
	for i, cm := range p.commits {
		h := uint64(i + 1)
		if cm.Cert.Height != h || cm.Block.Header.Height != h || cm.Cert.Round != 0 {
			t.Fatalf("commit %d: height %d round %d", i, cm.Cert.Height, cm.Cert.Round)
		}
		if cm.Cert.Signers.Count() != 1 || set.VerifyCommit(testChain, cm.Cert) != nil {
			t.Fatalf("commit %d: certificate does not verify", i)
		}
		if i > 0 && (cm.Block.LastCommit != p.commits[i-1].Cert || cm.Block.Header.ParentHash != p.commits[i-1].Block.Hash()) {
			t.Fatalf("commit %d does not chain to %d", i, i-1)
		}
		if i > 0 && commitTicks[i]-commitTicks[i-1] != uint64(cfg.TimeoutCommit) {
			t.Fatalf("commits %d and %d are %d ticks apart, want %d", i-1, i, commitTicks[i]-commitTicks[i-1], cfg.TimeoutCommit)
		}
	}
	// Every height: proposal, prevote, precommit, all persisted.
	if len(p.wal) != 30 {
		t.Fatalf("%d persisted messages, want 30", len(p.wal))
	}
}

// snapshot is the observable state of a core, to check that rejected
// messages change nothing.
func snapshot(c *Core) string {
	lr, lh := c.Locked()
	s := fmt.Sprintf("h=%d r=%d %s lock=%d:%s valid=%d:%s ready=%v rounds=%v far=%v next=%d",
		c.Height(), c.Round(), c.StepName(), lr, lh, c.validRound, c.validHash, c.HasReady(), c.rounds.order, c.farRound, len(c.next))
	for _, r := range c.rounds.order {
		rs := c.rounds.get(r)
		s += fmt.Sprintf(" [%d: p=%v pv=%d pc=%d]", r, rs.proposal != nil, rs.prevotes.power, rs.precommits.power)
	}
	return s
}

func TestRejectedVotesChangeNothing(t *testing.T) {
	c, set, keys := newEvidenceCore(t)
	good := valtest.Vote(testChain, keys[2], types.Prevote, 2, 1, 0, types.ZeroHash)
	if err := c.Step(&VoteMsg{Vote: good}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(c)

	_, outsiderKeys := valtest.Validator(7, 1)
	outsider := valtest.Vote(testChain, outsiderKeys, types.Prevote, 7, 1, 0, types.ZeroHash)
	impostor := valtest.Vote(testChain, outsiderKeys, types.Prevote, 3, 1, 0, types.ZeroHash) // claims v3
	badSig := valtest.Vote(testChain, keys[3], types.Prevote, 3, 1, 0, types.ZeroHash)
	badSig.Sig = bls.Sign(keys[3].BLS, []byte("not the vote"))
	wrongChain := valtest.Vote("other-chain", keys[3], types.Precommit, 3, 1, 0, types.ZeroHash)
	farBad := valtest.Vote(testChain, keys[0], types.Prevote, 3, 1, 50, types.ZeroHash) // far round, wrong key
	nextBad := valtest.Vote(testChain, keys[0], types.Prevote, 3, 2, 0, types.ZeroHash)
	conflicting := valtest.Vote(testChain, keys[2], types.Prevote, 2, 1, 0, types.Sum256([]byte("x")))

	cases := []struct {
		name string
		m    Message
		want error
	}{
		{"non-validator", &VoteMsg{Vote: outsider}, ErrNotValidator},
		{"impostor", &VoteMsg{Vote: impostor}, ErrBadSignature},
		{"bad signature", &VoteMsg{Vote: badSig}, ErrBadSignature},
		{"other chain", &VoteMsg{Vote: wrongChain}, ErrBadSignature},
		{"far round bad signature", &VoteMsg{Vote: farBad}, ErrBadSignature},
		{"next height bad signature", &VoteMsg{Vote: nextBad}, ErrBadSignature},
		{"duplicate", &VoteMsg{Vote: good}, ErrDuplicate},
		{"equivocation", &VoteMsg{Vote: conflicting}, ErrEquivocation},
		{"nil vote", &VoteMsg{}, ErrInvalid},
		{"nil message", nil, ErrInvalid},
		{"nil proposal", &ProposalMsg{}, ErrInvalid},
		{"unrequested build", &BlockBuilt{Height: 1, Block: testBlock(set, "x", 1, 0, nil)}, ErrStale},
	}
	for _, tc := range cases {
		err := c.Step(tc.m)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		var re *RejectError
		if !errors.As(err, &re) {
			t.Errorf("%s: %T is not a *RejectError", tc.name, err)
		}
		if tc.want == ErrEquivocation {
			// The one output a rejection may add: the evidence.
			if rd := c.Ready(); len(rd.Evidence) != 1 || len(rd.Persist)+len(rd.Send)+len(rd.Events) != 0 {
				t.Errorf("%s: Ready %+v, want exactly one evidence", tc.name, rd)
			}
			c.Advance()
		}
		if after := snapshot(c); after != before {
			t.Errorf("%s changed the state:\n%s\n%s", tc.name, before, after)
		}
	}
	// The validators error stays reachable through the consensus one.
	if err := c.Step(&VoteMsg{Vote: outsider}); !errors.Is(err, validators.ErrUnknownValidator) && !errors.Is(err, ErrNotValidator) {
		t.Errorf("outsider: %v", err)
	}
	if err := c.Step(&VoteMsg{Vote: badSig}); !errors.Is(err, validators.ErrBadSignature) {
		t.Errorf("bad signature does not wrap the validators error: %v", err)
	}
}

func TestReadyAdvance(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	c, err := New(scriptConfig(), set, NewKeySigner(keys[1].BLS), Start{Height: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rd := c.Ready()
	if len(rd.Events) != 1 || rd.Events[0].Step != "propose" {
		t.Fatalf("first ready: %+v", rd)
	}
	// Output added between Ready and Advance survives the Advance.
	for i := 0; i < scriptConfig().TimeoutPropose; i++ {
		c.Tick()
	}
	again := c.Ready()
	if len(again.Events) != 2 || len(again.Persist) != 1 {
		t.Fatalf("second ready without Advance: %+v", again)
	}
	c.Advance()
	if c.HasReady() {
		t.Fatal("Advance left output behind")
	}
	c.Advance() // harmless
	if err := c.Step(&VoteMsg{Vote: valtest.Vote(testChain, keys[0], types.Prevote, 0, 1, 0, types.ZeroHash)}); err != nil {
		t.Fatal(err)
	}
	rd = c.Ready()
	c.Step(&VoteMsg{Vote: valtest.Vote(testChain, keys[2], types.Prevote, 2, 1, 0, types.ZeroHash)}) // 2/3 nil: precommit
	c.Advance()
	if rd2 := c.Ready(); len(rd2.Persist) != 1 || rd2.Persist[0].(*VoteMsg).Vote.Type != types.Precommit {
		t.Fatalf("output after Ready lost by Advance: %+v", rd2)
	}
}

// TestWALReplay restarts a validator from its persisted messages: it
// re-adopts its votes and lock and never signs a conflicting message.
func TestWALReplay(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	signer := NewKeySigner(keys[0].BLS) // v0 proposes (1, 0)
	c, _ := New(scriptConfig(), set, signer, Start{Height: 1}, nil)
	var wal []Message
	drain := func(c *Core) Ready {
		rd := c.Ready()
		wal = append(wal, rd.Persist...)
		c.Advance()
		return rd
	}
	rd := drain(c)
	if rd.BuildBlock == nil {
		t.Fatal("no build request")
	}
	blockA := testBlock(set, "A", 1, 0, nil)
	if err := c.Step(&BlockBuilt{Height: 1, Round: 0, Block: blockA}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2} {
		if err := c.Step(&VoteMsg{Vote: valtest.Vote(testChain, keys[i], types.Prevote, i, 1, 0, blockA.Hash())}); err != nil {
			t.Fatal(err)
		}
	}
	drain(c) // proposal, prevote A, precommit A: locked on A at round 0
	if len(wal) != 3 {
		t.Fatalf("wal has %d messages", len(wal))
	}

	// Crash. Restart and replay the WAL before handling any Ready.
	r, _ := New(scriptConfig(), set, signer, Start{Height: 1}, nil)
	for _, m := range wal {
		if err := r.Step(m); err != nil {
			t.Fatalf("replay %T: %v", m, err)
		}
	}
	if lr, lh := r.Locked(); lr != 0 || lh != blockA.Hash() {
		t.Fatalf("lock not restored: %d %s", lr, lh)
	}
	rd = r.Ready()
	if rd.BuildBlock != nil {
		t.Fatal("replayed proposal did not cancel the build request")
	}
	if len(rd.Persist) != 0 {
		t.Fatalf("replay signed new messages: %d", len(rd.Persist))
	}
	r.Advance()
	// A different block for round 0 would need a second proposal: refused.
	if err := r.Step(&BlockBuilt{Height: 1, Round: 0, Block: testBlock(set, "B", 1, 0, nil)}); !errors.Is(err, ErrStale) {
		t.Fatalf("second build accepted: %v", err)
	}
	// Round 1 (proposer v1) proposes B: locked on A, we prevote nil.
	for i := 0; i < 50 && r.Round() == 0; i++ {
		r.Tick()
	}
	for _, i := range []int{1, 2} {
		r.Step(&VoteMsg{Vote: valtest.Vote(testChain, keys[i], types.Precommit, i, 1, 0, types.ZeroHash)})
	}
	for i := 0; i < 50 && r.Round() == 0; i++ {
		r.Tick()
	}
	if r.Round() != 1 {
		t.Fatalf("still in round %d", r.Round())
	}
	r.Ready()
	r.Advance()
	blockB := testBlock(set, "B", 1, 1, nil)
	p := &types.Proposal{Height: 1, Round: 1, POLRound: -1, BlockHash: blockB.Hash()}
	p.Sig = bls.Sign(keys[1].BLS, p.SignBytes(testChain))
	if err := r.Step(&ProposalMsg{Proposal: p, Block: blockB}); err != nil {
		t.Fatal(err)
	}
	r.Ready()
	r.Advance()
	if err := r.Step(&BlockValidated{Hash: blockB.Hash(), Valid: true}); err != nil {
		t.Fatal(err)
	}
	rd = r.Ready()
	if len(rd.Persist) != 1 || rd.Persist[0].(*VoteMsg).Vote.BlockHash != types.ZeroHash {
		t.Fatalf("locked validator did not prevote nil: %+v", rd.Persist)
	}
}

func TestNonValidatorFollows(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	_, outsider := valtest.Validator(9, 1)
	for _, self := range []Signer{nil, NewKeySigner(outsider.BLS)} {
		c, err := New(scriptConfig(), set, self, Start{Height: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		blk := testBlock(set, "A", 1, 0, nil)
		p := &types.Proposal{Height: 1, Round: 0, POLRound: -1, BlockHash: blk.Hash()}
		p.Sig = bls.Sign(keys[0].BLS, p.SignBytes(testChain))
		if err := c.Step(&ProposalMsg{Proposal: p, Block: blk}); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 1, 2} {
			for _, vt := range []types.VoteType{types.Prevote, types.Precommit} {
				if err := c.Step(&VoteMsg{Vote: valtest.Vote(testChain, keys[i], vt, i, 1, 0, blk.Hash())}); err != nil {
					t.Fatal(err)
				}
			}
		}
		rd := c.Ready()
		if len(rd.Persist) != 0 || len(rd.Send) != 0 || rd.BuildBlock != nil {
			t.Fatalf("non-validator signed or built: %+v", rd)
		}
		if len(rd.Committed) != 1 || rd.Committed[0].Block != blk {
			t.Fatalf("non-validator did not follow the commit: %+v", rd.Committed)
		}
	}
}

// TestWALReplayFarRound: an own vote replayed from the WAL for a round far
// beyond the current one still occupies its slot when the core gets there.
func TestWALReplayFarRound(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	c, err := New(scriptConfig(), set, NewKeySigner(keys[0].BLS), Start{Height: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const far = 12
	own := valtest.Vote(testChain, keys[0], types.Prevote, 0, 1, far, types.ZeroHash)
	if err := c.Step(&VoteMsg{Vote: own}); err != nil { // WAL replay
		t.Fatal(err)
	}
	// Our own vote says we were at round 12: resume there at once (a
	// correct process never goes back to an earlier round).
	if c.Round() != far {
		t.Fatalf("round %d after replaying our round-%d vote, want %d", c.Round(), far, far)
	}
	rd := c.Ready()
	c.Advance()
	if set.Proposer(1, far) != 0 || rd.BuildBlock == nil || rd.BuildBlock.Round != far {
		t.Fatalf("expected to build as proposer of round %d", far)
	}
	blk := testBlock(set, "A", 1, far, nil)
	if err := c.Step(&BlockBuilt{Height: 1, Round: far, Block: blk}); err != nil {
		t.Fatal(err)
	}
	rd = c.Ready()
	for _, m := range rd.Persist {
		if v, ok := m.(*VoteMsg); ok && v.Vote.Type == types.Prevote && v.Vote.Round == far {
			t.Fatalf("signed a second prevote for round %d: %s", far, v.Vote.BlockHash)
		}
	}
	if c.StepName() != "prevote" {
		t.Fatalf("step %s, want prevote (with the replayed nil vote)", c.StepName())
	}
}

// A validator that precommitted B in round 3 and restarted never locks
// back onto an older polka: replaying its own round-3 votes resumes it at
// round 3, and a round-1 polka for A that arrives afterwards (from peers
// still holding it) neither moves its lock nor gets it to sign for A.
func TestRestartNeverUnlocksBackwards(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	c, err := New(scriptConfig(), set, NewKeySigner(keys[0].BLS), Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	b := testBlock(set, "B", 1, 3, nil)
	for _, typ := range []types.VoteType{types.Prevote, types.Precommit} { // WAL replay
		if err := c.Step(&VoteMsg{Vote: valtest.Vote(testChain, keys[0], typ, 0, 1, 3, b.Hash())}); err != nil {
			t.Fatal(err)
		}
	}
	var signed []*types.Vote
	drain := func() {
		for c.HasReady() {
			rd := c.Ready()
			for _, m := range rd.Persist {
				if v, ok := m.(*VoteMsg); ok {
					signed = append(signed, v.Vote)
				}
			}
			c.Advance()
			for _, blk := range rd.Validate {
				if err := c.Step(&BlockValidated{Hash: blk.Hash(), Valid: true}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	drain()
	a := testBlock(set, "A", 1, 1, nil)
	p := &types.Proposal{Height: 1, Round: 1, POLRound: -1, BlockHash: a.Hash()}
	p.Sig = bls.Sign(keys[set.Proposer(1, 1)].BLS, p.SignBytes(testChain))
	if err := c.Step(&ProposalMsg{Proposal: p, Block: a}); err != nil {
		t.Fatal(err)
	}
	drain()
	for _, i := range []int{1, 2, 3} {
		_ = c.Step(&VoteMsg{Vote: valtest.Vote(testChain, keys[i], types.Prevote, i, 1, 1, a.Hash())})
		drain()
	}
	c.Tick()
	drain()
	if r, h := c.Locked(); r != 3 || h != b.Hash() {
		t.Fatalf("lock moved to round %d %x after restart, want round 3 on B", r, h[:4])
	}
	for _, v := range signed {
		if v.BlockHash == a.Hash() {
			t.Fatalf("signed a %s for A in round %d after precommitting B in round 3", v.Type, v.Round)
		}
	}
	if c.Round() < 3 {
		t.Fatalf("at round %d, below its own round 3", c.Round())
	}
}

// stakeSet is four validators with stake-like weights: a rotation period
// far too long to tabulate, so finding a round's proposer walks it.
func stakeSet() (*validators.Set, []valtest.Keys) {
	return valtest.Set(1_000_003, 2_000_029, 3_000_017, 4_000_037)
}

// An unsigned proposal far beyond the current round is refused before
// anything finds its round's proposer (a walk as long as the round: 0.17 s
// at round 2^25 with these weights before this check).
func TestFarRoundProposalRefusedUnread(t *testing.T) {
	set, keys := stakeSet()
	c, err := New(scriptConfig(), set, NewKeySigner(keys[0].BLS), Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	blk := testBlock(set, "A", 1, 0, nil)
	p := &types.Proposal{Height: 1, Round: 1 << 25, POLRound: -1, BlockHash: blk.Hash()}
	err = c.Step(&ProposalMsg{Proposal: p, Block: blk})
	if !errors.Is(err, ErrFuture) {
		t.Fatalf("unsigned proposal at round 2^25: %v, want ErrFuture", err)
	}
}

// A fresh proposal's block must pay its fees to the round's proposer.
func TestProposalBlockProposerIsTheRoundsProposer(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	c, err := New(scriptConfig(), set, NewKeySigner(keys[0].BLS), Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	r := uint32(1)
	pi := set.Proposer(1, r)
	blk := testBlock(set, "A", 1, r, nil)
	blk.Header.Proposer = set.Get((pi + 1) % 4).Address
	p := &types.Proposal{Height: 1, Round: r, POLRound: -1, BlockHash: blk.Hash()}
	p.Sig = bls.Sign(keys[pi].BLS, p.SignBytes(testChain))
	if err := c.Step(&ProposalMsg{Proposal: p, Block: blk}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("proposal whose block names another proposer: %v, want ErrInvalid", err)
	}
	good := testBlock(set, "A", 1, r, nil)
	p = &types.Proposal{Height: 1, Round: r, POLRound: -1, BlockHash: good.Hash()}
	p.Sig = bls.Sign(keys[pi].BLS, p.SignBytes(testChain))
	if err := c.Step(&ProposalMsg{Proposal: p, Block: good}); err != nil {
		t.Fatalf("proposal of the round's proposer: %v", err)
	}
}

// BenchmarkFarRoundProposal is the cost of one unsigned proposal at round
// 2^25 with stake-like weights (refused before the rotation is walked).
func BenchmarkFarRoundProposal(b *testing.B) {
	set, keys := stakeSet()
	c, err := New(scriptConfig(), set, NewKeySigner(keys[0].BLS), Start{Height: 1}, nil)
	if err != nil {
		b.Fatal(err)
	}
	blk := testBlock(set, "A", 1, 0, nil)
	p := &types.Proposal{Height: 1, Round: 1 << 25, POLRound: -1, BlockHash: blk.Hash()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = c.Step(&ProposalMsg{Proposal: p, Block: blk})
	}
}

// In responsive mode a Proceed ends the commit wait TimeoutCommitMin
// ticks after the decision instead of TimeoutCommit; without one the wait
// is the full TimeoutCommit. Out of responsive mode Proceed is refused.
func TestResponsiveCommitWait(t *testing.T) {
	set, keys := valtest.Set(1)
	cfg := DefaultConfig()
	cfg.ChainID = testChain
	cfg.Responsive, cfg.TimeoutCommitMin = true, 3
	c, err := New(cfg, set, NewKeySigner(keys[0].BLS), Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline{t: t, set: set, name: "solo"}
	p.handle(c) // height 1 commits at once (one validator)
	if len(p.commits) != 1 || c.StepName() != "commit" {
		t.Fatalf("%d commits, step %s", len(p.commits), c.StepName())
	}
	decided := c.now
	if err := c.Step(&Proceed{Height: 1}); err != nil { // txs are waiting
		t.Fatal(err)
	}
	if err := c.Step(&Proceed{Height: 1}); err != nil { // asked again: nothing more
		t.Fatal(err)
	}
	for c.Height() == 1 {
		c.Tick()
		p.handle(c)
	}
	if waited := c.now - decided; waited != uint64(cfg.TimeoutCommitMin) {
		t.Fatalf("height 2 started %d ticks after the decision, want %d", waited, cfg.TimeoutCommitMin)
	}
	if len(p.commits) != 2 {
		t.Fatalf("%d commits, want height 2 decided at once", len(p.commits))
	}
	// Nothing asks to proceed: the full TimeoutCommit.
	decided = c.now
	for c.Height() == 2 {
		c.Tick()
		p.handle(c)
	}
	if waited := c.now - decided; waited != uint64(cfg.TimeoutCommit) {
		t.Fatalf("idle: height 3 started %d ticks after the decision, want %d", waited, cfg.TimeoutCommit)
	}
	// A Proceed for another height, or while deciding, is stale.
	if err := c.Step(&Proceed{Height: 2}); !errors.Is(err, ErrStale) {
		t.Fatalf("stale Proceed: %v", err)
	}
	cfg.Responsive = false
	c2, err := New(cfg, set, NewKeySigner(keys[0].BLS), Start{Height: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	(&pipeline{t: t, set: set, name: "solo"}).handle(c2)
	if err := c2.Step(&Proceed{Height: 1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Proceed out of responsive mode: %v", err)
	}
}

// An equivocating validator cannot split honest tallies by sending each
// node a different first vote: its conflicting vote still counts for the
// block it names, so precommits for B from validators 1 and 3 plus 2's
// second precommit (after one for another block) decide B. (Before, the
// first vote alone counted and the height never decided here.)
func TestEquivocatorsSecondVoteCounts(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	pr := set.Proposer(1, 0)
	self, x, y, eq := (pr+1)%4, (pr+2)%4, (pr+3)%4, pr // eq: the equivocator
	c, err := New(scriptConfig(), set, NewKeySigner(keys[self].BLS), Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline{t: t, set: set, name: "self"}
	p.handle(c)
	b := testBlock(set, "B", 1, 0, nil)
	prop := &types.Proposal{Height: 1, Round: 0, POLRound: -1, BlockHash: b.Hash()}
	prop.Sig = bls.Sign(keys[pr].BLS, prop.SignBytes(testChain))
	if err := c.Step(&ProposalMsg{Proposal: prop, Block: b}); err != nil {
		t.Fatal(err)
	}
	p.handle(c)
	other := types.Sum256([]byte("other"))
	steps := []*types.Vote{
		valtest.Vote(testChain, keys[eq], types.Precommit, eq, 1, 0, other), // the equivocator's first precommit
		valtest.Vote(testChain, keys[x], types.Precommit, x, 1, 0, b.Hash()),
		valtest.Vote(testChain, keys[y], types.Precommit, y, 1, 0, b.Hash()),
		valtest.Vote(testChain, keys[eq], types.Precommit, eq, 1, 0, b.Hash()), // and its second
	}
	for i, v := range steps {
		err := c.Step(&VoteMsg{Vote: v})
		if i == 3 && !errors.Is(err, ErrEquivocation) {
			t.Fatalf("the second precommit: %v, want ErrEquivocation", err)
		}
		p.handle(c)
	}
	if len(p.commits) != 1 || p.commits[0].Block.Hash() != b.Hash() {
		t.Fatalf("%d commits; want B decided by two precommits and the equivocator's second", len(p.commits))
	}
	if err := set.VerifyCommit(testChain, p.commits[0].Cert); err != nil {
		t.Fatalf("certificate with the equivocator's precommit: %v", err)
	}
}

// TestStepVerifiedTrustsOnlyTheDecidingSet: a vote stepped as checked
// skips the core's own check only when the caller checked it against the
// set the core decides with; against any other set it is checked again.
func TestStepVerifiedTrustsOnlyTheDecidingSet(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	otherSet, _ := valtest.Set(valtest.Equal(4)...)
	self := (set.Proposer(1, 0) + 1) % 4
	c, err := New(scriptConfig(), set, NewKeySigner(keys[self].BLS), Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	x := (self + 1) % 4
	b := types.Sum256([]byte("B"))
	bad := valtest.Vote(testChain, keys[x], types.Prevote, x, 1, 0, b)
	bad.Sig[5] ^= 1
	if !c.NeedsSignatureCheck(bad) {
		t.Fatal("a fresh vote of the height should need a check")
	}
	if err := c.StepVerified(&VoteMsg{Vote: bad}, otherSet); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("checked against another set: %v, want ErrBadSignature", err)
	}
	good := valtest.Vote(testChain, keys[x], types.Prevote, x, 1, 0, b)
	if err := c.StepVerified(&VoteMsg{Vote: good}, set); err != nil {
		t.Fatal(err)
	}
	if c.NeedsSignatureCheck(good) {
		t.Fatal("a vote the core holds needs no check (a repeat is refused unchecked)")
	}
	if c.NeedsSignatureCheck(valtest.Vote(testChain, keys[x], types.Prevote, x, 2, 0, b)) {
		t.Fatal("a vote of another height is not checked by the batch")
	}
}
