package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"aitbc/engine/types"
)

// faucetBalance is what a new chain's faucet account holds.
const faucetBalance = 1_000_000_000_000_000

func makeGenesis(chainID string, auths []types.Authority, faucet types.Address, blockTime time.Duration) *types.Genesis {
	p := types.DefaultParams()
	p.BlockTimeMs = uint64(blockTime / time.Millisecond)
	return &types.Genesis{
		ChainID:       chainID,
		GenesisTime:   uint64(time.Now().UnixMilli()),
		ConsensusMode: "poa",
		Params:        p,
		Accounts:      []types.GenesisAccount{{Address: faucet, Balance: faucetBalance}},
		Authorities:   auths,
	}
}

// setMode makes g a chain of mode ("poa", "pos" or "hybrid") with
// epochLength blocks per epoch (0 keeps the default). quick shortens the
// staking windows for a devnet, so that a set change, a downtime jail and
// an unbonding each happen within a couple of minutes of 1 s blocks, and
// sets stake_per_power so that a stake of devnetStakeUnit has the power of
// one authority.
func setMode(g *types.Genesis, mode string, epochLength uint64, quick bool) error {
	switch mode {
	case "poa", "pos", "hybrid":
	default:
		return usagef("--consensus-mode %q: want poa, pos or hybrid", mode)
	}
	g.ConsensusMode = mode
	if epochLength > 0 {
		g.Params.EpochLength = epochLength
	}
	if quick && types.IsStakingMode(mode) {
		p := &g.Params
		p.MinSelfStake, p.StakePerPower = devnetStakeUnit/10, devnetStakeUnit/authorityWeight
		p.MaxStakerShareBps = 5000 // stakers may hold half the power
		p.SignedBlocksWindow, p.DowntimeJailBlocks = 20, 30
		p.UnbondingPeriod, p.MaxEvidenceAge = 60, 30
	}
	return nil
}

// authorityWeight is every authority's power in the genesis files these
// commands write; devnetStakeUnit is the stake with the same power on a
// devnet (setMode).
const (
	authorityWeight = 10
	devnetStakeUnit = 100_000
)

func authority(acct accountKeyFile, val validatorKeyFile) types.Authority {
	return types.Authority{Address: acct.Address, PubKey: acct.PublicKey, BLSPubKey: val.PublicKey, BLSPoP: val.PoP, Weight: authorityWeight}
}

func writeGenesis(path string, g *types.Genesis) error {
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func loadGenesis(path string) (*types.Genesis, error) {
	var g types.Genesis
	if err := readJSONFile(path, &g); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("genesis %s: %w", path, err)
	}
	return &g, nil
}

// resolve makes a config path relative to the config file's directory.
func resolve(base, p string) string {
	if p == "" || filepath.IsAbs(p) || base == "" {
		return p
	}
	return filepath.Join(base, p)
}
