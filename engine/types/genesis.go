package types

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Amount is a token quantity in base units. Its JSON form is a decimal
// string, so clients in languages without 64-bit integers lose nothing.
type Amount uint64

func (a Amount) MarshalText() ([]byte, error) { return strconv.AppendUint(nil, uint64(a), 10), nil }

func (a *Amount) UnmarshalText(b []byte) error {
	v, err := ParseAmount(string(b))
	if err != nil {
		return err
	}
	*a = Amount(v)
	return nil
}

// ErrBadAmount: amount text that is not a canonical decimal uint64.
var ErrBadAmount = errors.New("bad amount")

// ParseAmount accepts a canonical decimal uint64 (no sign, no leading zeros).
func ParseAmount(s string) (uint64, error) {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%w: %q is not a canonical decimal", ErrBadAmount, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %q is not a decimal integer", ErrBadAmount, s)
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q overflows 64 bits", ErrBadAmount, s)
	}
	return v, nil
}

// HexBytes is a byte string whose JSON form is lowercase hex with a 0x prefix.
type HexBytes []byte

func (h HexBytes) MarshalText() ([]byte, error) { return []byte("0x" + hex.EncodeToString(h)), nil }

func (h *HexBytes) UnmarshalText(b []byte) error {
	s := string(b)
	if len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return fmt.Errorf("bad hex: %v", err)
	}
	*h = v
	return nil
}

// IsStakingMode reports whether a consensus mode changes its validator
// set by stake ("pos" and "hybrid"; "poa" keeps the genesis set).
func IsStakingMode(mode string) bool { return mode == "pos" || mode == "hybrid" }

// Params are the chain parameters fixed at genesis.
type Params struct {
	BlockTimeMs     uint64     `json:"block_time_ms"`    // target interval between commits
	BaseFee         Amount     `json:"base_fee"`         // fee floor per tx
	FeePerByte      Amount     `json:"fee_per_byte"`     // plus this per encoded byte
	MintPerUnit     Amount     `json:"mint_per_unit"`    // RECEIPT_CLAIM: minted per compute unit
	EpochLength     uint64     `json:"epoch_length"`     // blocks per validator-set epoch
	MaxValidators   uint32     `json:"max_validators"`   // pos/hybrid: top-N by stake
	UnbondingPeriod uint64     `json:"unbonding_period"` // blocks
	MaxBlockTxs     uint32     `json:"max_block_txs"`
	MaxBlockBytes   uint32     `json:"max_block_bytes"`
	Coordinators    []HexBytes `json:"coordinators"` // Ed25519 keys that attest compute receipts
	// The block time rule (docs/spec.md §14.13): a proposal's time must lie
	// in [local − precision − msg_delay, local + precision] when a validator
	// first sees it. Zero (absent) means the default.
	TimePrecisionMs uint64 `json:"time_precision_ms,omitempty"`
	TimeMsgDelayMs  uint64 `json:"time_msg_delay_ms,omitempty"`

	// Proof of stake (pos and hybrid chains; docs/spec.md §11, §17). Zero
	// (absent) means the default (Params.PoS resolves them), so a genesis
	// without them keeps its hash.
	MinSelfStake       Amount `json:"min_self_stake,omitempty"`        // a staker below this is not elected
	StakePerPower      Amount `json:"stake_per_power,omitempty"`       // power = bonded stake / this
	MaxStakerShareBps  uint32 `json:"max_staker_share_bps,omitempty"`  // hybrid: stakers' share of the power at most
	ChurnBps           uint32 `json:"churn_bps,omitempty"`             // power that may move per epoch, bps of the old total
	SlashDoubleSignBps uint32 `json:"slash_double_sign_bps,omitempty"` // slashed for double signing
	SlashDowntimeBps   uint32 `json:"slash_downtime_bps,omitempty"`    // slashed for downtime
	SignedBlocksWindow uint64 `json:"signed_blocks_window,omitempty"`  // downtime is judged over this many blocks
	MinSignedBps       uint32 `json:"min_signed_bps,omitempty"`        // share of the window a validator must sign
	DowntimeJailBlocks uint64 `json:"downtime_jail_blocks,omitempty"`  // blocks a downtime jail lasts
	BlockReward        Amount `json:"block_reward,omitempty"`          // minted per block, paid with the fees (default 0)
	// Double-sign evidence (docs/spec.md §13.6): a block carries at most
	// max_evidence_per_block pieces, each at most max_evidence_age blocks
	// old, which must stay below unbonding_period so that the stake that
	// signed twice cannot have left before it is slashed.
	MaxEvidencePerBlock uint32 `json:"max_evidence_per_block,omitempty"`
	MaxEvidenceAge      uint64 `json:"max_evidence_age,omitempty"` // blocks
}

// MaxChurnBps bounds churn_bps: with at most a third of the old power
// moving per epoch, consecutive sets share more than 2/3 of it.
const MaxChurnBps = 3333

// MaxSignedBlocksWindow bounds signed_blocks_window: every stake record
// carries a bitmap of the window (12.5 KB at this bound).
const MaxSignedBlocksWindow = 100_000

// Defaults of the proof-of-stake params (used when a param is 0).
const (
	DefaultStakePerPower      = 1_000_000_000
	DefaultMaxStakerShareBps  = 3333
	DefaultChurnBps           = 2500
	DefaultSlashDoubleSignBps = 500
	DefaultSlashDowntimeBps   = 100
	DefaultSignedBlocksWindow = 100
	DefaultMinSignedBps       = 5000
	DefaultDowntimeJailBlocks = 600
	// DefaultMaxEvidencePerBlock bounds the pairing work evidence adds to
	// a block (two signature checks each).
	DefaultMaxEvidencePerBlock = 16
	// DefaultMaxEvidenceAge is a tenth of the default unbonding_period: a
	// double sign is gossiped within seconds, and the margin keeps the
	// offender's unbonding stake slashable.
	DefaultMaxEvidenceAge = 1000
)

// PoSParams are the proof-of-stake params with their defaults applied.
type PoSParams struct {
	MinSelfStake, StakePerPower, BlockReward                          uint64
	SignedBlocksWindow, DowntimeJailBlocks, MaxEvidenceAge            uint64
	MaxStakerShareBps, ChurnBps, SlashDoubleSignBps, SlashDowntimeBps uint32
	MinSignedBps, MaxEvidencePerBlock                                 uint32
}

// PoS resolves the proof-of-stake params: every 0 becomes its default
// (min_self_stake and block_reward default to 0).
func (p Params) PoS() PoSParams {
	or32 := func(v, def uint32) uint32 {
		if v == 0 {
			return def
		}
		return v
	}
	or64 := func(v, def uint64) uint64 {
		if v == 0 {
			return def
		}
		return v
	}
	return PoSParams{
		MinSelfStake:        uint64(p.MinSelfStake),
		StakePerPower:       or64(uint64(p.StakePerPower), DefaultStakePerPower),
		BlockReward:         uint64(p.BlockReward),
		SignedBlocksWindow:  or64(p.SignedBlocksWindow, DefaultSignedBlocksWindow),
		DowntimeJailBlocks:  or64(p.DowntimeJailBlocks, DefaultDowntimeJailBlocks),
		MaxStakerShareBps:   or32(p.MaxStakerShareBps, DefaultMaxStakerShareBps),
		ChurnBps:            or32(p.ChurnBps, DefaultChurnBps),
		SlashDoubleSignBps:  or32(p.SlashDoubleSignBps, DefaultSlashDoubleSignBps),
		SlashDowntimeBps:    or32(p.SlashDowntimeBps, DefaultSlashDowntimeBps),
		MinSignedBps:        or32(p.MinSignedBps, DefaultMinSignedBps),
		MaxEvidencePerBlock: or32(p.MaxEvidencePerBlock, DefaultMaxEvidencePerBlock),
		MaxEvidenceAge:      or64(p.MaxEvidenceAge, DefaultMaxEvidenceAge),
	}
}

// Defaults of the block time rule's params.
const (
	DefaultTimePrecisionMs = 500
	DefaultTimeMsgDelayMs  = 2000
	// MaxTimeBoundMs bounds both params (an hour): a wider window would
	// let a faulty proposer move the chain's clock by that much.
	MaxTimeBoundMs = 3_600_000
)

// TimePrecision is the time rule's precision in ms (the default when unset).
func (p Params) TimePrecision() uint64 {
	if p.TimePrecisionMs == 0 {
		return DefaultTimePrecisionMs
	}
	return p.TimePrecisionMs
}

// TimeMsgDelay is the time rule's message delay in ms (the default when unset).
func (p Params) TimeMsgDelay() uint64 {
	if p.TimeMsgDelayMs == 0 {
		return DefaultTimeMsgDelayMs
	}
	return p.TimeMsgDelayMs
}

// DefaultParams are the parameters `aitbcd init` writes for a new chain.
func DefaultParams() Params {
	return Params{
		BlockTimeMs: 1000, BaseFee: 10, FeePerByte: 1, MintPerUnit: 1,
		EpochLength: 1000, MaxValidators: 100, UnbondingPeriod: 10000,
		MaxBlockTxs: 10000, MaxBlockBytes: 8 << 20,
	}
}

// GenesisAccount is a balance allocated at genesis.
type GenesisAccount struct {
	Address Address `json:"address"`
	Balance Amount  `json:"balance"`
}

// Authority is a genesis validator.
type Authority struct {
	Address   Address  `json:"address"`     // account address of PubKey; fees are paid here
	PubKey    HexBytes `json:"pub_key"`     // Ed25519 account key
	BLSPubKey HexBytes `json:"bls_pub_key"` // G1 compressed, 48 bytes
	BLSPoP    HexBytes `json:"bls_pop"`     // proof of possession, G2 compressed, 96 bytes
	Weight    uint64   `json:"weight"`
}

// Genesis is the chain's initial state and parameters.
type Genesis struct {
	ChainID       string           `json:"chain_id"`
	GenesisTime   uint64           `json:"genesis_time"` // Unix milliseconds
	ConsensusMode string           `json:"consensus_mode"`
	Params        Params           `json:"params"`
	Accounts      []GenesisAccount `json:"accounts"`
	Authorities   []Authority      `json:"authorities"`
}

// ErrBadGenesis wraps every genesis validation failure.
var ErrBadGenesis = errors.New("bad genesis")

// Validate checks the genesis for internal consistency (not BLS proofs of
// possession, which the validators package checks).
func (g *Genesis) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadGenesis, fmt.Sprintf(format, a...))
	}
	if err := ValidateChainID(g.ChainID); err != nil {
		return bad("%v", err)
	}
	switch g.ConsensusMode {
	case "poa", "pos", "hybrid":
	default:
		return bad("consensus_mode %q: want poa, pos or hybrid", g.ConsensusMode)
	}
	p := g.Params
	if p.BlockTimeMs == 0 {
		return bad("params.block_time_ms must be > 0")
	}
	if p.MaxBlockTxs == 0 || p.MaxBlockTxs > MaxBlockTxs {
		return bad("params.max_block_txs must be 1..%d", MaxBlockTxs)
	}
	if p.MaxBlockBytes < MaxTxBytes || p.MaxBlockBytes > MaxBlockBytes {
		return bad("params.max_block_bytes must be %d..%d", MaxTxBytes, MaxBlockBytes)
	}
	if p.EpochLength == 0 {
		return bad("params.epoch_length must be > 0")
	}
	if p.TimePrecisionMs > MaxTimeBoundMs || p.TimeMsgDelayMs > MaxTimeBoundMs {
		return bad("params.time_precision_ms and time_msg_delay_ms must be <= %d", MaxTimeBoundMs)
	}
	for _, b := range []struct {
		key string
		v   uint32
		max uint32
	}{
		{"max_staker_share_bps", p.MaxStakerShareBps, 10000}, {"churn_bps", p.ChurnBps, MaxChurnBps},
		{"slash_double_sign_bps", p.SlashDoubleSignBps, 10000}, {"slash_downtime_bps", p.SlashDowntimeBps, 10000},
		{"min_signed_bps", p.MinSignedBps, 10000},
	} {
		if b.v > b.max {
			return bad("params.%s %d: want 0 (default) or 1..%d", b.key, b.v, b.max)
		}
	}
	if p.MaxEvidencePerBlock > MaxBlockEvidence {
		return bad("params.max_evidence_per_block %d: want 0 (default) or 1..%d (a block carries at most %d pieces)", p.MaxEvidencePerBlock, MaxBlockEvidence, MaxBlockEvidence)
	}
	if p.SignedBlocksWindow > MaxSignedBlocksWindow {
		return bad("params.signed_blocks_window %d: want 0 (default) or 1..%d", p.SignedBlocksWindow, MaxSignedBlocksWindow)
	}
	if IsStakingMode(g.ConsensusMode) {
		if p.UnbondingPeriod == 0 {
			return bad("params.unbonding_period must be > 0 on a %s chain", g.ConsensusMode)
		}
		if age := p.PoS().MaxEvidenceAge; age >= p.UnbondingPeriod {
			return bad("params.max_evidence_age %d must be below params.unbonding_period %d (0 means %d)", age, p.UnbondingPeriod, DefaultMaxEvidenceAge)
		}
	}
	if g.GenesisTime > MaxBlockTimeMs {
		return bad("genesis_time %d above %d", g.GenesisTime, MaxBlockTimeMs)
	}
	for i, c := range p.Coordinators {
		if len(c) != PubKeyLen {
			return bad("params.coordinators[%d]: %d bytes, want %d", i, len(c), PubKeyLen)
		}
		if IsSmallOrderKey(c) {
			return bad("params.coordinators[%d]: key of small order: anyone could attest with it", i)
		}
	}
	seen := map[Address]bool{}
	var total uint64
	for i, a := range g.Accounts {
		if seen[a.Address] {
			return bad("accounts[%d]: duplicate address %s", i, a.Address)
		}
		seen[a.Address] = true
		if total+uint64(a.Balance) < total {
			return bad("accounts: total supply overflows 64 bits")
		}
		total += uint64(a.Balance)
	}
	if len(g.Authorities) == 0 || len(g.Authorities) > MaxValidators {
		return bad("authorities: need 1..%d, have %d", MaxValidators, len(g.Authorities))
	}
	vals := map[Address]bool{}
	var power uint64
	for i, a := range g.Authorities {
		if len(a.PubKey) != PubKeyLen {
			return bad("authorities[%d].pub_key: %d bytes, want %d", i, len(a.PubKey), PubKeyLen)
		}
		if IsSmallOrderKey(a.PubKey) {
			return bad("authorities[%d].pub_key: key of small order", i)
		}
		if AddressFromPubKey(a.PubKey) != a.Address {
			return bad("authorities[%d].address does not match pub_key", i)
		}
		if vals[a.Address] {
			return bad("authorities[%d]: duplicate address %s", i, a.Address)
		}
		vals[a.Address] = true
		if len(a.BLSPubKey) != BLSPubKeyLen {
			return bad("authorities[%d].bls_pub_key: %d bytes, want %d", i, len(a.BLSPubKey), BLSPubKeyLen)
		}
		if len(a.BLSPoP) != BLSSigLen {
			return bad("authorities[%d].bls_pop: %d bytes, want %d", i, len(a.BLSPoP), BLSSigLen)
		}
		if a.Weight == 0 || power+a.Weight < power || power+a.Weight > 1<<60 {
			return bad("authorities[%d].weight must be > 0 and the total below 2^60", i)
		}
		power += a.Weight
	}
	return nil
}

// Hash is SHA-256 of the genesis JSON as Marshal writes it (struct order),
// with absent lists written as [] so that a file saying "null" and one
// saying "[]" (or leaving the key out) describe the same chain.
func (g *Genesis) Hash() Hash {
	c := *g
	if c.Params.Coordinators == nil {
		c.Params.Coordinators = []HexBytes{}
	}
	if c.Accounts == nil {
		c.Accounts = []GenesisAccount{}
	}
	if c.Authorities == nil {
		c.Authorities = []Authority{}
	}
	b, _ := json.Marshal(&c)
	return Sum256(b)
}

// String is the 0x-hex form.
func (h HexBytes) String() string { return "0x" + hex.EncodeToString(h) }
