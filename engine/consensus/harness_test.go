package consensus

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/logtest"
)

const testChain = "aitbc-test"

// testLogger routes core logs to t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return logtest.New(t, slog.LevelInfo)
}

// scriptConfig has short timeouts so traces stay readable.
func scriptConfig() Config {
	return Config{ChainID: testChain, TimeoutPropose: 3, TimeoutPrevote: 2, TimeoutPrecommit: 2, TimeoutDelta: 1, TimeoutCommit: 2}
}

// testBlock is a deterministic block named name for height h.
func testBlock(set *validators.Set, name string, h uint64, round uint32, lastCommit *types.CommitCert) *types.Block {
	b := &types.Block{
		Header: types.Header{
			ChainID:        testChain,
			Height:         h,
			Time:           1_700_000_000_000 + h,
			Proposer:       set.Get(set.Proposer(h, round)).Address,
			TxRoot:         types.MerkleRoot(nil),
			StateRoot:      types.Sum256([]byte(name)),
			ValidatorsHash: set.Hash(), NextValidatorsHash: set.Hash(),
		},
		LastCommit: lastCommit,
	}
	if lastCommit != nil {
		b.Header.LastCommitHash = lastCommit.Hash()
		b.Header.ParentHash = lastCommit.BlockHash
	}
	return b
}

// scriptEnv is the state of one data-driven script.
type scriptEnv struct {
	t      *testing.T
	set    *validators.Set
	keys   []valtest.Keys
	core   *Core
	blocks map[string]*types.Block
	names  map[types.Hash]string
	build  *BuildRequest
}

func (e *scriptEnv) name(h types.Hash) string {
	if h.IsZero() {
		return "nil"
	}
	if n, ok := e.names[h]; ok {
		return n
	}
	return h.String()[:10]
}

func (e *scriptEnv) block(name string, h uint64, round uint32) *types.Block {
	if b, ok := e.blocks[name]; ok {
		return b
	}
	b := testBlock(e.set, name, h, round, nil)
	e.blocks[name] = b
	e.names[b.Hash()] = name
	return b
}

func (e *scriptEnv) key(i int) valtest.Keys {
	if i < len(e.keys) {
		return e.keys[i]
	}
	_, k := valtest.Validator(i, 1)
	return k
}

func (e *scriptEnv) fmtMsg(m Message) string {
	switch m := m.(type) {
	case *ProposalMsg:
		p := m.Proposal
		return fmt.Sprintf("proposal h=%d r=%d pol=%d %s", p.Height, p.Round, p.POLRound, e.name(p.BlockHash))
	case *VoteMsg:
		v := m.Vote
		return fmt.Sprintf("%s h=%d r=%d v%d %s", v.Type, v.Height, v.Round, v.ValidatorIndex, e.name(v.BlockHash))
	}
	return fmt.Sprintf("%T", m)
}

// fmtEvidence checks a piece of evidence the way anyone would and names
// its two messages in order.
func (e *scriptEnv) fmtEvidence(ev *types.Evidence) string {
	if err := VerifyEvidence(testChain, e.core.Validators(), ev); err != nil {
		e.t.Errorf("emitted evidence does not verify: %v", err)
	}
	var a, b string
	if ev.Kind == types.DuplicateVote {
		a, b = e.name(ev.VoteA.BlockHash), e.name(ev.VoteB.BlockHash)
	} else {
		a = fmt.Sprintf("%s(pol=%d)", e.name(ev.ProposalA.BlockHash), ev.ProposalA.POLRound)
		b = fmt.Sprintf("%s(pol=%d)", e.name(ev.ProposalB.BlockHash), ev.ProposalB.POLRound)
	}
	return fmt.Sprintf("evidence: %s h=%d r=%d v%d %s %s", ev.Step(), ev.Height(), ev.Round(), ev.ValidatorIndex, a, b)
}

func fmtBitmap(b types.Bitmap) string {
	var sb strings.Builder
	for i := 0; i < int(b.N); i++ {
		if b.Get(i) {
			sb.WriteByte('x')
		} else {
			sb.WriteByte('.')
		}
	}
	return sb.String()
}

// drain formats and acknowledges the core's Ready.
func (e *scriptEnv) drain() []string {
	if !e.core.HasReady() {
		return nil
	}
	rd := e.core.Ready()
	var out []string
	for _, m := range rd.Persist {
		out = append(out, "persist: "+e.fmtMsg(m))
	}
	for _, m := range rd.Send {
		out = append(out, "send: "+e.fmtMsg(m))
	}
	if b := rd.BuildBlock; b != nil {
		last := "none"
		if b.LastCommit != nil {
			last = fmt.Sprintf("h%d:%s signers=%s", b.LastCommit.Height, e.name(b.LastCommit.BlockHash), fmtBitmap(b.LastCommit.Signers))
		}
		out = append(out, fmt.Sprintf("build: h=%d r=%d last=%s", b.Height, b.Round, last))
		e.build = b
	}
	for _, b := range rd.Validate {
		out = append(out, fmt.Sprintf("validate: %s h=%d", e.name(b.Hash()), b.Header.Height))
	}
	for _, c := range rd.Committed {
		if err := e.core.Validators().VerifyCommit(testChain, c.Cert); err != nil {
			e.t.Errorf("emitted commit does not verify: %v", err)
		}
		out = append(out, fmt.Sprintf("commit: h=%d r=%d %s signers=%s", c.Cert.Height, c.Cert.Round, e.name(c.Block.Hash()), fmtBitmap(c.Cert.Signers)))
	}
	for _, ev := range rd.Events {
		out = append(out, fmt.Sprintf("event: h=%d r=%d %s", ev.Height, ev.Round, ev.Step))
	}
	for _, ev := range rd.Evidence {
		out = append(out, e.fmtEvidence(ev))
	}
	e.core.Advance()
	return out
}

func (e *scriptEnv) step(m Message) []string {
	var out []string
	if err := e.core.Step(m); err != nil {
		out = append(out, "error: "+err.Error())
	}
	return append(out, e.drain()...)
}

func atoi(t *testing.T, s string, def int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return n
}

func ints(t *testing.T, s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		out = append(out, atoi(t, f, 0))
	}
	return out
}

// runCommand executes one script command; see testdata/*.txt.
func runCommand(t *testing.T, e *scriptEnv, cmd string, args map[string]string) []string {
	height := func() uint64 { return uint64(atoi(t, args["height"], int(e.core.Height()))) }
	switch cmd {
	case "new":
		n := atoi(t, args["validators"], 1)
		weights := valtest.Equal(n)
		if w, ok := args["weights"]; ok {
			weights = nil
			for _, x := range ints(t, w) {
				weights = append(weights, uint64(x))
			}
		}
		e.set, e.keys = valtest.Set(weights...)
		e.blocks, e.names = map[string]*types.Block{}, map[types.Hash]string{}
		var self Signer
		if i := atoi(t, args["self"], 0); i >= 0 {
			self = NewKeySigner(e.key(i).BLS)
		}
		cfg := scriptConfig()
		if n, ok := args["commit"]; ok { // TimeoutCommit in ticks
			cfg.TimeoutCommit = atoi(t, n, cfg.TimeoutCommit)
		}
		if n, ok := args["responsive"]; ok { // responsive mode: TimeoutCommitMin in ticks
			cfg.Responsive, cfg.TimeoutCommitMin = true, atoi(t, n, 0)
		}
		c, err := New(cfg, e.set, self, Start{Height: 1}, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		e.core = c
		return e.drain()
	case "tick":
		var out []string
		for i := atoi(t, args["n"], 1); i > 0; i-- {
			e.core.Tick()
			if e.core.HasReady() {
				out = append(out, fmt.Sprintf("@%d", e.core.now))
				out = append(out, e.drain()...)
			}
		}
		return out
	case "build":
		if e.build == nil {
			t.Fatal("build without a BuildBlock request")
		}
		b := testBlock(e.set, args["name"], e.build.Height, e.build.Round, e.build.LastCommit)
		e.blocks[args["name"]] = b
		e.names[b.Hash()] = args["name"]
		return e.step(&BlockBuilt{Height: e.build.Height, Round: e.build.Round, Block: b})
	case "proposal":
		h, r := height(), uint32(atoi(t, args["round"], 0))
		b := e.block(args["block"], h, r)
		p := &types.Proposal{Height: h, Round: r, POLRound: int32(atoi(t, args["pol"], -1)), BlockHash: b.Hash()}
		signer := atoi(t, args["from"], e.set.Proposer(h, r))
		p.Sig = bls.Sign(e.key(signer).BLS, p.SignBytes(testChain))
		return e.step(&ProposalMsg{Proposal: p, Block: b})
	case "vote":
		t := map[string]types.VoteType{"prevote": types.Prevote, "precommit": types.Precommit}[args["type"]]
		var hash types.Hash
		if name := args["block"]; name != "nil" {
			hash = e.block(name, height(), 0).Hash()
		}
		var out []string
		for _, i := range ints(e.t, args["from"]) {
			v := valtest.Vote(testChain, e.key(i), t, i, height(), uint32(atoi(e.t, args["round"], 0)), hash)
			if args["corrupt"] == "true" {
				v.Sig = bls.Sign(e.key(i).BLS, []byte("something else"))
			}
			out = append(out, e.step(&VoteMsg{Vote: v})...)
		}
		return out
	case "proceed":
		return e.step(&Proceed{Height: height()})
	case "validate":
		return e.step(&BlockValidated{Hash: e.blocks[args["block"]].Hash(), Valid: args["valid"] != "false"})
	case "commit-msg":
		b := e.blocks[args["block"]]
		var votes []*types.Vote
		r := uint32(atoi(t, args["round"], 0))
		for _, i := range ints(t, args["from"]) {
			votes = append(votes, valtest.Vote(testChain, e.key(i), types.Precommit, i, b.Header.Height, r, b.Hash()))
		}
		cert, err := e.set.MakeCommit(b.Header.Height, r, b.Hash(), votes)
		if err != nil {
			t.Fatal(err)
		}
		return e.step(&CommitMsg{Block: b, Cert: cert})
	case "status":
		lr, lh := e.core.Locked()
		return []string{fmt.Sprintf("h=%d r=%d step=%s locked=%d:%s valid=%d:%s",
			e.core.Height(), e.core.Round(), e.core.StepName(), lr, e.name(lh), e.core.validRound, e.name(e.core.validHash))}
	}
	t.Fatalf("unknown command %q", cmd)
	return nil
}

func TestScripts(t *testing.T) { runScripts(t, runCommand) }
