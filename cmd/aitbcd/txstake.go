package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// The staking subcommands of `aitbcd tx`. An address's first STAKE must
// carry its BLS key and proof of possession (give --validator-key), later
// ones must not (omit it); `tx stake` asks the node (GET
// /rpc/get_stake/{address}) and refuses the wrong choice before signing,
// and the state refuses it anyway with ErrStakePayload.

// runStake is `aitbcd tx stake` (args after the subcommand name).
func runStake(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tx stake", stderr)
	tf := addTxFlags(fs, "the staker's account key file (the tx sender; its address owns the stake)")
	valPath := fs.String("validator-key", "", "the BLS validator key file: give it on the address's first STAKE, which registers the key; omit it on later ones")
	amountS := fs.String("amount", "", "amount to bond, in base units")
	if err := parse(fs, args); err != nil {
		return err
	}
	amount, err := requiredAmount(tf, *amountS)
	if err != nil {
		return err
	}
	var sk *bls.SecretKey
	if *valPath != "" {
		if sk, err = loadValidatorKey(*valPath); err != nil {
			return fmt.Errorf("--validator-key: %w", err)
		}
	}
	priv, err := loadAccountKey(*tf.key)
	if err != nil {
		return err
	}
	from := types.AddressFromPubKey(priv.Public().(ed25519.PublicKey))
	return tf.submitChecked(priv, func(ctx context.Context, c *client.Client) error { return checkRegistration(ctx, c, from, sk != nil) },
		func(chainID string) *types.Tx { return stakeTx(chainID, *tf.nonce, amount, sk) }, stdout)
}

// checkRegistration asks the node whether from has a stake record
// (get_stake) and refuses, before anything is signed, a first STAKE
// without --validator-key or a later one with it (the state would refuse
// either with ErrStakePayload, fee spent on nothing). A node that cannot
// say (an older node, an error) leaves the choice to the operator.
func checkRegistration(ctx context.Context, c *client.Client, from types.Address, withKey bool) error {
	_, err := c.Stake(ctx, from)
	var apiErr *api.Error
	switch {
	case err == nil && withKey:
		return usagef("%s is registered already: later STAKEs must omit --validator-key", from)
	case errors.As(err, &apiErr) && apiErr.Code == api.CodeNoStake && !withKey:
		return usagef("%s has no stake record: its first STAKE needs --validator-key (the BLS key it registers)", from)
	}
	return nil
}

// runUnstake is `aitbcd tx unstake`.
func runUnstake(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tx unstake", stderr)
	tf := addTxFlags(fs, "the staker's account key file (the tx sender)")
	amountS := fs.String("amount", "", "amount to start unbonding, in base units")
	if err := parse(fs, args); err != nil {
		return err
	}
	amount, err := requiredAmount(tf, *amountS)
	if err != nil {
		return err
	}
	priv, err := loadAccountKey(*tf.key)
	if err != nil {
		return err
	}
	return tf.submit(priv, func(chainID string) *types.Tx { return unstakeTx(chainID, *tf.nonce, amount) }, stdout)
}

// requiredAmount checks that --key and --amount were given and parses the
// amount (stake and unstake).
func requiredAmount(tf txFlags, amountS string) (uint64, error) {
	if *tf.key == "" || amountS == "" {
		return 0, usagef("--key and --amount are required")
	}
	return parsePositiveAmount(amountS)
}

// runUnjail is `aitbcd tx unjail`.
func runUnjail(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tx unjail", stderr)
	tf := addTxFlags(fs, "the jailed staker's account key file (the tx sender)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tf.key == "" {
		return usagef("--key is required")
	}
	priv, err := loadAccountKey(*tf.key)
	if err != nil {
		return err
	}
	return tf.submit(priv, func(chainID string) *types.Tx { return unjailTx(chainID, *tf.nonce) }, stdout)
}

// parsePositiveAmount parses --amount; zero is refused because STAKE and
// UNSTAKE need amount > 0 (types.ValidateBasic).
func parsePositiveAmount(s string) (uint64, error) {
	amount, err := types.ParseAmount(s)
	if err != nil || amount == 0 {
		return 0, usagef("--amount %q: want a positive integer", s)
	}
	return amount, nil
}

// stakeTx is a STAKE of amount; with sk it carries the stake payload that
// registers sk's public key (an address's first STAKE), without it none
// (every later STAKE). Nonce 0 means "the sender's next" (signAndSend).
func stakeTx(chainID string, nonce, amount uint64, sk *bls.SecretKey) *types.Tx {
	tx := &types.Tx{ChainID: chainID, Type: types.TxStake, Nonce: nonce, Amount: amount}
	if sk != nil {
		p := types.StakePayload{BLSPubKey: sk.PublicKey(), PoP: bls.ProvePossession(sk)}
		tx.Payload = p.Encode()
	}
	return tx
}

// unstakeTx starts unbonding amount; no payload.
func unstakeTx(chainID string, nonce, amount uint64) *types.Tx {
	return &types.Tx{ChainID: chainID, Type: types.TxUnstake, Nonce: nonce, Amount: amount}
}

// unjailTx ends an expired downtime jail; amount 0, no payload.
func unjailTx(chainID string, nonce uint64) *types.Tx {
	return &types.Tx{ChainID: chainID, Type: types.TxUnjail, Nonce: nonce}
}

// submit connects to --rpc, builds the tx for the node's chain, signs,
// sends and prints it like `tx send`.
func (tf txFlags) submit(priv ed25519.PrivateKey, build func(chainID string) *types.Tx, stdout io.Writer) error {
	return tf.submitChecked(priv, nil, build, stdout)
}

// submitChecked is submit with a check against the node (nil: none)
// before the tx is built.
func (tf txFlags) submitChecked(priv ed25519.PrivateKey, check func(context.Context, *client.Client) error, build func(chainID string) *types.Tx, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), *tf.timeout)
	defer cancel()
	c, chainID, err := tf.connect(ctx)
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(ctx, c); err != nil {
			return err
		}
	}
	hash, err := signAndSend(ctx, c, build(chainID), priv, *tf.fee)
	if err != nil {
		return err
	}
	return tf.report(ctx, c, hash, stdout)
}
