package index

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/jmoiron/sqlx"

	"aitbc/engine"
	"aitbc/engine/types"
)

// ValidatorRow is one member of an epoch's validator set.
type ValidatorRow struct {
	Position  int // index in the set: the member's bit in commit signer bitmaps
	Address   types.Address
	PubKey    types.HexBytes // Ed25519 account key
	BLSPubKey types.HexBytes // BLS12-381 G1 compressed
	Weight    uint64
}

// ValidatorSet is the set that signs heights from StartHeight on, until the
// next epoch's StartHeight.
type ValidatorSet struct {
	Epoch       uint64
	StartHeight uint64
	Validators  []ValidatorRow // by Position
	TotalWeight uint64
}

var validatorCols = []string{"epoch", "start_height", "position", "address", "pub_key", "bls_pub_key", "weight"}

type validatorRecord struct {
	Epoch       int64  `db:"epoch"`
	StartHeight int64  `db:"start_height"`
	Position    int64  `db:"position"`
	Address     string `db:"address"`
	PubKey      string `db:"pub_key"`
	BLSPubKey   string `db:"bls_pub_key"`
	Weight      string `db:"weight"`
}

// SetValidators records the validator set of epoch, which signs from
// startHeight on, replacing what was recorded for that epoch. The engine
// calls it at an epoch change; Open WithGenesis records epoch 0.
func (ix *Index) SetValidators(ctx context.Context, epoch, startHeight uint64, vals []ValidatorRow) error {
	if ix.closed.Load() {
		return ErrClosed
	}
	tx, err := ix.w.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: begin: %w", err)
	}
	defer tx.Rollback()
	if err := setValidators(ctx, tx, ix.d, epoch, startHeight, vals); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: validators of epoch %d: commit: %w", epoch, err)
	}
	return nil
}

func setValidators(ctx context.Context, tx *sqlx.Tx, d dialect, epoch, startHeight uint64, vals []ValidatorRow) error {
	if epoch > math.MaxInt64 || startHeight == 0 || startHeight > math.MaxInt64 {
		return fmt.Errorf("%w: epoch %d from height %d", ErrOutOfRange, epoch, startHeight)
	}
	if len(vals) == 0 || len(vals) > types.MaxValidators {
		return fmt.Errorf("%w: %d validators, want 1..%d", ErrBadValidators, len(vals), types.MaxValidators)
	}
	var args []any
	for i, v := range vals {
		if v.Position != i {
			return fmt.Errorf("%w: validator %d has position %d", ErrBadValidators, i, v.Position)
		}
		args = append(args, int64(epoch), int64(startHeight), i, v.Address.String(), v.PubKey.String(), v.BLSPubKey.String(), encodeAmount(v.Weight))
	}
	if _, err := tx.ExecContext(ctx, d.q("DELETE FROM validators WHERE epoch = ?"), int64(epoch)); err != nil {
		return fmt.Errorf("index: validators of epoch %d: %w", epoch, err)
	}
	ins := &bulkInsert{d: d, head: "INSERT INTO validators (" + joinCols(validatorCols) + ") VALUES ", cols: len(validatorCols)}
	if _, err := tx.ExecContext(ctx, ins.query(len(vals)), args...); err != nil {
		return fmt.Errorf("index: validators of epoch %d: %w", epoch, err)
	}
	return nil
}

// Validators returns the set that signs height: the epoch with the
// largest StartHeight <= height. Height 0 means the newest epoch.
func (ix *Index) Validators(ctx context.Context, height uint64) (ValidatorSet, error) {
	if ix.closed.Load() {
		return ValidatorSet{}, ErrClosed
	}
	if height > math.MaxInt64 {
		return ValidatorSet{}, fmt.Errorf("%w: height %d", ErrOutOfRange, height)
	}
	var epoch sql.NullInt64
	var err error
	if height == 0 {
		err = sqlx.GetContext(ctx, ix.r, &epoch, "SELECT MAX(epoch) FROM validators")
	} else {
		err = sqlx.GetContext(ctx, ix.r, &epoch, ix.d.q("SELECT MAX(epoch) FROM validators WHERE start_height <= ?"), int64(height))
	}
	if err != nil {
		return ValidatorSet{}, fmt.Errorf("index: validators at height %d: %w", height, err)
	}
	if !epoch.Valid {
		return ValidatorSet{}, fmt.Errorf("index: validators at height %d: %w", height, engine.ErrNotFound)
	}
	var recs []validatorRecord
	q := ix.d.q("SELECT " + joinCols(validatorCols) + " FROM validators WHERE epoch = ? ORDER BY position")
	if err := sqlx.SelectContext(ctx, ix.r, &recs, q, epoch.Int64); err != nil {
		return ValidatorSet{}, fmt.Errorf("index: validators of epoch %d: %w", epoch.Int64, err)
	}
	if len(recs) == 0 { // replaced between the two reads
		return ValidatorSet{}, fmt.Errorf("index: validators of epoch %d: %w", epoch.Int64, engine.ErrNotFound)
	}
	out := ValidatorSet{Validators: make([]ValidatorRow, len(recs))}
	d := rowDecoder{table: "validators"}
	out.Epoch = d.uint("epoch", recs[0].Epoch, math.MaxInt64)
	out.StartHeight = d.uint("start_height", recs[0].StartHeight, math.MaxInt64)
	for i, r := range recs {
		v := ValidatorRow{
			Position:  int(d.uint("position", r.Position, types.MaxValidators-1)),
			Address:   d.address("address", r.Address),
			PubKey:    d.hex("pub_key", r.PubKey),
			BLSPubKey: d.hex("bls_pub_key", r.BLSPubKey),
			Weight:    uint64(d.amount("weight", r.Weight)),
		}
		if v.Position != i {
			d.fail("position", fmt.Errorf("position %d at row %d", v.Position, i))
		}
		out.Validators[i] = v
		out.TotalWeight += v.Weight
	}
	return out, d.err
}

// bindGenesis records the genesis on a new database (with validators
// epoch 0) or checks that the database was recorded for it.
func (ix *Index) bindGenesis(ctx context.Context, g *types.Genesis) error {
	want := g.Hash().String()
	tx, err := ix.w.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: begin: %w", err)
	}
	defer tx.Rollback()
	var have string
	err = tx.GetContext(ctx, &have, ix.d.q("SELECT value FROM index_meta WHERE key = ?"), metaGenesis)
	switch {
	case err == nil && have == want:
		return nil
	case err == nil:
		return &ChainError{Database: have, Genesis: want}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("index: read genesis: %w", err)
	}
	if _, err := tx.ExecContext(ctx, ix.d.q("INSERT INTO index_meta (key, value) VALUES (?, ?)"), metaGenesis, want); err != nil {
		return fmt.Errorf("index: record genesis: %w", err)
	}
	if len(g.Authorities) > 0 {
		vals := make([]ValidatorRow, len(g.Authorities))
		for i, a := range g.Authorities {
			vals[i] = ValidatorRow{Position: i, Address: a.Address, PubKey: a.PubKey, BLSPubKey: a.BLSPubKey, Weight: a.Weight}
		}
		if err := setValidators(ctx, tx, ix.d, 0, 1, vals); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: record genesis: commit: %w", err)
	}
	ix.log.Info("index: recorded genesis", "genesis", want, "validators", len(g.Authorities))
	return nil
}
