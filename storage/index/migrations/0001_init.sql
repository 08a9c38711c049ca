-- Schema 1: blocks, txs, accounts and the index's own bookkeeping.
-- Written in the SQL subset SQLite and PostgreSQL share. Amounts are
-- 20-digit zero-padded decimal TEXT (uint64 does not fit a signed BIGINT);
-- hashes are 0x-hex, addresses canonical ait1… text.

CREATE TABLE blocks (
    height     BIGINT  NOT NULL PRIMARY KEY,
    hash       TEXT    NOT NULL UNIQUE,          -- the UNIQUE index serves lookups by hash
    time       BIGINT  NOT NULL,                 -- proposer time, Unix ms
    proposer   TEXT    NOT NULL,
    tx_count   INTEGER NOT NULL,
    state_root TEXT    NOT NULL
);

CREATE TABLE txs (
    hash      TEXT    NOT NULL PRIMARY KEY,
    height    BIGINT  NOT NULL REFERENCES blocks (height) ON DELETE CASCADE,
    idx       INTEGER NOT NULL,                  -- position in the block
    type      TEXT    NOT NULL,                  -- TRANSFER, RECEIPT_CLAIM, STAKE, UNSTAKE
    sender    TEXT    NOT NULL,
    recipient TEXT    NOT NULL,
    nonce     BIGINT  NOT NULL,
    amount    TEXT    NOT NULL CHECK (length(amount) = 20),
    fee       TEXT    NOT NULL CHECK (length(fee) = 20),
    status    TEXT    NOT NULL
);

CREATE UNIQUE INDEX txs_by_position  ON txs (height, idx);
CREATE INDEX        txs_by_sender    ON txs (sender, height DESC, idx DESC);
CREATE INDEX        txs_by_recipient ON txs (recipient, height DESC, idx DESC);

CREATE TABLE accounts (
    address        TEXT   NOT NULL PRIMARY KEY,
    balance        TEXT   NOT NULL CHECK (length(balance) = 20),
    nonce          BIGINT NOT NULL,
    updated_height BIGINT NOT NULL
);

CREATE TABLE index_meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
