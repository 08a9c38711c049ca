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

func authority(acct accountKeyFile, val validatorKeyFile) types.Authority {
	return types.Authority{Address: acct.Address, PubKey: acct.PublicKey, BLSPubKey: val.PublicKey, BLSPoP: val.PoP, Weight: 10}
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
	if g.ConsensusMode != "poa" {
		return nil, fmt.Errorf("genesis %s: consensus_mode %q is not supported by this build yet (poa only)", path, g.ConsensusMode)
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
