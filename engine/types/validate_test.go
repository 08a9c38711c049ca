package types

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidateBasic(t *testing.T) {
	base := func() *Tx { return specTransfer() }
	tests := []struct {
		name string
		mut  func(*Tx)
		ok   bool
		want string // substring of the error
	}{
		{"valid transfer", func(*Tx) {}, true, ""},
		{"other chain", func(x *Tx) { x.ChainID = "aitbc-mainnet" }, false, "chain_id"},
		{"type 0", func(x *Tx) { x.Type = 0 }, false, "type"},
		{"type 6", func(x *Tx) { x.Type = 6 }, false, "type"},
		{"nonce 0", func(x *Tx) { x.Nonce = 0 }, false, "nonce"},
		{"max nonce", func(x *Tx) { x.Nonce = 1<<64 - 1 }, true, ""},
		{"payload at max", func(x *Tx) { x.Payload = make([]byte, MaxPayloadLen) }, true, ""},
		{"payload over max", func(x *Tx) { x.Payload = make([]byte, MaxPayloadLen+1) }, false, "payload"},
		{"transfer amount 0", func(x *Tx) { x.Amount = 0 }, false, "amount"},
		{"transfer to zero address", func(x *Tx) { x.Recipient = Address{} }, false, "recipient"},
		{"zero fee allowed statelessly", func(x *Tx) { x.Fee = 0 }, true, ""},
		{"stake amount 0", func(x *Tx) { x.Type = TxStake; x.Amount = 0 }, false, "amount"},
		{"stake", func(x *Tx) { x.Type = TxStake; x.Recipient = Address{} }, true, ""},
		{"unstake amount 0", func(x *Tx) { x.Type = TxUnstake; x.Amount = 0 }, false, "amount"},
		{"unstake", func(x *Tx) { x.Type = TxUnstake; x.Recipient = Address{} }, true, ""},
		{"unstake to a recipient", func(x *Tx) { x.Type = TxUnstake }, false, "recipient"},
		{"stake to a recipient", func(x *Tx) { x.Type = TxStake }, false, "recipient"},
		{"stake registering", func(x *Tx) {
			x.Type, x.Recipient, x.Payload = TxStake, Address{}, make([]byte, StakePayloadLen)
		}, true, ""},
		{"stake payload short", func(x *Tx) {
			x.Type, x.Recipient, x.Payload = TxStake, Address{}, make([]byte, StakePayloadLen-1)
		}, false, "payload"},
		{"stake payload long", func(x *Tx) {
			x.Type, x.Recipient, x.Payload = TxStake, Address{}, make([]byte, StakePayloadLen+1)
		}, false, "payload"},
		{"unstake payload", func(x *Tx) { x.Type, x.Recipient, x.Payload = TxUnstake, Address{}, []byte{1} }, false, "payload"},
		{"unjail", func(x *Tx) { x.Type, x.Recipient, x.Amount = TxUnjail, Address{}, 0 }, true, ""},
		{"unjail with amount", func(x *Tx) { x.Type, x.Recipient = TxUnjail, Address{} }, false, "amount"},
		{"unjail to a recipient", func(x *Tx) { x.Type, x.Amount = TxUnjail, 0 }, false, "recipient"},
		{"unjail payload", func(x *Tx) { x.Type, x.Recipient, x.Amount, x.Payload = TxUnjail, Address{}, 0, []byte{1} }, false, "payload"},
		{"receipt claim, amount 0", func(x *Tx) { x.Type = TxReceiptClaim; x.Amount = 0; x.Recipient = Address{} }, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx := base()
			tc.mut(tx)
			err := tx.ValidateBasic(specChainID)
			if tc.ok {
				if err != nil {
					t.Fatalf("ValidateBasic: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidTx) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ValidateBasic = %v; want ErrInvalidTx naming %q", err, tc.want)
			}
		})
	}
}

func TestValidateChainID(t *testing.T) {
	for _, ok := range []string{"a", "aitbc-devnet", "A.b_c-9", strings.Repeat("z", MaxChainIDLen)} {
		if err := ValidateChainID(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", strings.Repeat("z", MaxChainIDLen+1), "a b", "a/b", "a:b", "é", "a\n"} {
		if err := ValidateChainID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// specGenesis is a valid single-authority genesis (BLS values are placeholders
// of the right length; Validate checks only lengths).
func specGenesis() *Genesis {
	pub := pubOf(specKey1())
	return &Genesis{
		ChainID:       specChainID,
		GenesisTime:   1_700_000_000_000,
		ConsensusMode: "poa",
		Params:        specParams(),
		Accounts: []GenesisAccount{
			{Address: AddressFromPubKey(pubOf(specKey2())), Balance: 1_000_000_000},
		},
		Authorities: []Authority{{
			Address:   AddressFromPubKey(pub),
			PubKey:    HexBytes(pub),
			BLSPubKey: HexBytes(seqBytes(0xa0, BLSPubKeyLen)),
			BLSPoP:    HexBytes(seqBytes(0x10, BLSSigLen)),
			Weight:    10,
		}},
	}
}

func specParams() Params {
	p := DefaultParams()
	p.Coordinators = []HexBytes{pubOf(specKey2())}
	return p
}

func TestGenesisValidate(t *testing.T) {
	tests := []struct {
		name string
		mut  func(*Genesis)
		key  string // the key the error must name; "" = valid
	}{
		{"valid", func(*Genesis) {}, ""},
		{"pos", func(g *Genesis) { g.ConsensusMode = "pos" }, ""},
		{"hybrid", func(g *Genesis) { g.ConsensusMode = "hybrid" }, ""},
		{"no accounts", func(g *Genesis) { g.Accounts = nil }, ""},
		{"coordinator", func(g *Genesis) { g.Params.Coordinators = []HexBytes{pubOf(specKey1())} }, ""},
		{"chain_id empty", func(g *Genesis) { g.ChainID = "" }, "chain_id"},
		{"chain_id bad char", func(g *Genesis) { g.ChainID = "a b" }, "chain_id"},
		{"chain_id too long", func(g *Genesis) { g.ChainID = strings.Repeat("a", 65) }, "chain_id"},
		{"consensus_mode empty", func(g *Genesis) { g.ConsensusMode = "" }, "consensus_mode"},
		{"consensus_mode case", func(g *Genesis) { g.ConsensusMode = "PoA" }, "consensus_mode"},
		{"block_time_ms 0", func(g *Genesis) { g.Params.BlockTimeMs = 0 }, "params.block_time_ms"},
		{"max_block_txs 0", func(g *Genesis) { g.Params.MaxBlockTxs = 0 }, "params.max_block_txs"},
		{"max_block_txs over limit", func(g *Genesis) { g.Params.MaxBlockTxs = MaxBlockTxs + 1 }, "params.max_block_txs"},
		{"max_block_bytes below one tx", func(g *Genesis) { g.Params.MaxBlockBytes = MaxTxBytes - 1 }, "params.max_block_bytes"},
		{"max_block_bytes over limit", func(g *Genesis) { g.Params.MaxBlockBytes = MaxBlockBytes + 1 }, "params.max_block_bytes"},
		{"epoch_length 0", func(g *Genesis) { g.Params.EpochLength = 0 }, "params.epoch_length"},
		{"pos params set", func(g *Genesis) {
			g.ConsensusMode = "hybrid"
			g.Params.MinSelfStake, g.Params.StakePerPower, g.Params.BlockReward = 1000, 10, 5
			g.Params.MaxStakerShareBps, g.Params.ChurnBps, g.Params.MinSignedBps = 10000, MaxChurnBps, 10000
			g.Params.SlashDoubleSignBps, g.Params.SlashDowntimeBps = 10000, 1
		}, ""},
		{"pos evidence params", func(g *Genesis) {
			g.ConsensusMode = "pos"
			g.Params.UnbondingPeriod, g.Params.MaxEvidenceAge, g.Params.MaxEvidencePerBlock = 100, 99, 1
		}, ""},
		{"max_evidence_age not below unbonding_period", func(g *Genesis) {
			g.ConsensusMode = "pos"
			g.Params.UnbondingPeriod, g.Params.MaxEvidenceAge = 100, 100
		}, "params.max_evidence_age"},
		{"default max_evidence_age not below unbonding_period", func(g *Genesis) {
			g.ConsensusMode = "hybrid"
			g.Params.UnbondingPeriod = DefaultMaxEvidenceAge
		}, "params.max_evidence_age"},
		{"unbonding_period 0 on pos", func(g *Genesis) { g.ConsensusMode = "pos"; g.Params.UnbondingPeriod = 0 }, "params.unbonding_period"},
		{"signed_blocks_window over limit", func(g *Genesis) { g.Params.SignedBlocksWindow = MaxSignedBlocksWindow + 1 }, "params.signed_blocks_window"},
		{"max_evidence_per_block over the block bound", func(g *Genesis) { g.Params.MaxEvidencePerBlock = MaxBlockEvidence + 1 }, "params.max_evidence_per_block"},
		{"churn_bps above a third", func(g *Genesis) { g.Params.ChurnBps = MaxChurnBps + 1 }, "params.churn_bps"},
		{"max_staker_share_bps over 100%", func(g *Genesis) { g.Params.MaxStakerShareBps = 10001 }, "params.max_staker_share_bps"},
		{"slash_double_sign_bps over 100%", func(g *Genesis) { g.Params.SlashDoubleSignBps = 10001 }, "params.slash_double_sign_bps"},
		{"slash_downtime_bps over 100%", func(g *Genesis) { g.Params.SlashDowntimeBps = 10001 }, "params.slash_downtime_bps"},
		{"min_signed_bps over 100%", func(g *Genesis) { g.Params.MinSignedBps = 10001 }, "params.min_signed_bps"},
		{"coordinator small order", func(g *Genesis) { g.Params.Coordinators = []HexBytes{make([]byte, 32)} }, "params.coordinators[0]"},
		{"authority small order", func(g *Genesis) {
			g.Authorities[0].PubKey = make([]byte, 32)
			g.Authorities[0].Address = AddressFromPubKey(g.Authorities[0].PubKey)
		}, "authorities[0].pub_key"},
		{"coordinator short", func(g *Genesis) { g.Params.Coordinators = []HexBytes{pubOf(specKey1()), make([]byte, 31)} }, "params.coordinators[1]"},
		{"duplicate account", func(g *Genesis) { g.Accounts = append(g.Accounts, g.Accounts[0]) }, "accounts[1]"},
		{"supply overflow", func(g *Genesis) {
			g.Accounts = []GenesisAccount{{Address: Address{1}, Balance: 1<<64 - 1}, {Address: Address{2}, Balance: 1}}
		}, "accounts"},
		{"no authorities", func(g *Genesis) { g.Authorities = nil }, "authorities"},
		{"too many authorities", func(g *Genesis) { g.Authorities = make([]Authority, MaxValidators+1) }, "authorities"},
		{"pub_key short", func(g *Genesis) { g.Authorities[0].PubKey = g.Authorities[0].PubKey[:31] }, "authorities[0].pub_key"},
		{"address mismatch", func(g *Genesis) { g.Authorities[0].Address[0] ^= 1 }, "authorities[0].address"},
		{"duplicate authority", func(g *Genesis) { g.Authorities = append(g.Authorities, g.Authorities[0]) }, "authorities[1]"},
		{"bls_pub_key short", func(g *Genesis) { g.Authorities[0].BLSPubKey = make([]byte, 47) }, "authorities[0].bls_pub_key"},
		{"bls_pop short", func(g *Genesis) { g.Authorities[0].BLSPoP = make([]byte, 95) }, "authorities[0].bls_pop"},
		{"weight 0", func(g *Genesis) { g.Authorities[0].Weight = 0 }, "authorities[0].weight"},
		{"weight over 2^60", func(g *Genesis) { g.Authorities[0].Weight = 1<<60 + 1 }, "authorities[0].weight"},
		{"total weight over 2^60", func(g *Genesis) {
			b := g.Authorities[0]
			b.PubKey = pubOf(specKey2())
			b.Address = AddressFromPubKey(b.PubKey)
			g.Authorities[0].Weight, b.Weight = 1<<59, 1<<59+1
			g.Authorities = append(g.Authorities, b)
		}, "authorities[1].weight"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := specGenesis()
			tc.mut(g)
			err := g.Validate()
			if tc.key == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrBadGenesis) || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("Validate = %v; want ErrBadGenesis naming %q", err, tc.key)
			}
		})
	}
}

func TestGenesisJSONRoundTrip(t *testing.T) {
	g := specGenesis()
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var back Genesis
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Hash() != g.Hash() || back.Validate() != nil {
		t.Fatalf("genesis JSON round trip changed it:\n%s", b)
	}
	for _, want := range []string{`"chain_id":"aitbc-devnet"`, `"balance":"1000000000"`, `"address":"ait1`, `"pub_key":"0x`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("genesis JSON lacks %s:\n%s", want, b)
		}
	}
}

// TestGenesisHashIgnoresNullVersusEmpty: "coordinators": null, [] and an
// absent key are the same chain, so they must give the same genesis hash.
func TestGenesisHashIgnoresNullVersusEmpty(t *testing.T) {
	base := `{"chain_id":"c","genesis_time":1,"consensus_mode":"poa","params":{"block_time_ms":1000%s},"accounts":[],"authorities":[]}`
	var hashes []Hash
	for _, coords := range []string{``, `,"coordinators":null`, `,"coordinators":[]`} {
		var g Genesis
		if err := json.Unmarshal([]byte(fmt.Sprintf(base, coords)), &g); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, g.Hash())
	}
	if hashes[0] != hashes[1] || hashes[1] != hashes[2] {
		t.Fatalf("genesis hashes differ: %v", hashes)
	}
	var g Genesis
	json.Unmarshal([]byte(fmt.Sprintf(base, `,"coordinators":["0x01"]`)), &g)
	if g.Hash() == hashes[0] {
		t.Fatal("a coordinator did not change the genesis hash")
	}
}

// Absent proof-of-stake params resolve to their defaults; set ones win.
func TestPoSParamsDefaults(t *testing.T) {
	d := DefaultParams().PoS()
	want := PoSParams{StakePerPower: DefaultStakePerPower, SignedBlocksWindow: DefaultSignedBlocksWindow,
		DowntimeJailBlocks: DefaultDowntimeJailBlocks, MaxStakerShareBps: DefaultMaxStakerShareBps, ChurnBps: DefaultChurnBps,
		SlashDoubleSignBps: DefaultSlashDoubleSignBps, SlashDowntimeBps: DefaultSlashDowntimeBps, MinSignedBps: DefaultMinSignedBps,
		MaxEvidencePerBlock: DefaultMaxEvidencePerBlock, MaxEvidenceAge: DefaultMaxEvidenceAge}
	if d != want {
		t.Fatalf("defaults %+v, want %+v", d, want)
	}
	var p Params
	if err := json.Unmarshal([]byte(`{"stake_per_power":"7","churn_bps":100,"min_self_stake":"5","block_reward":"3"}`), &p); err != nil {
		t.Fatal(err)
	}
	if got := p.PoS(); got.StakePerPower != 7 || got.ChurnBps != 100 || got.MinSelfStake != 5 || got.BlockReward != 3 || got.MinSignedBps != DefaultMinSignedBps {
		t.Fatalf("resolved %+v", got)
	}
	b, _ := json.Marshal(DefaultParams())
	if strings.Contains(string(b), "churn_bps") || strings.Contains(string(b), "stake_per_power") {
		t.Fatalf("absent params written: %s", b)
	}
}
