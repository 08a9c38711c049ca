-- Schema 2: AI compute receipts (the RECEIPT_CLAIM txs) and validator
-- sets per epoch. Same SQL subset as schema 1. units, minted and weight
-- are uint64: 20-digit zero-padded decimal TEXT like the amounts.

CREATE TABLE receipts (
    id          TEXT    NOT NULL PRIMARY KEY,         -- 0x-hex ReceiptID(chain_id, job_id, miner, units)
    job_id      TEXT    NOT NULL UNIQUE,              -- 0x-hex job id bytes: a job is claimed once
    miner       TEXT    NOT NULL,                     -- the claim's sender, credited with minted
    units       TEXT    NOT NULL CHECK (length(units) = 20),
    minted      TEXT    NOT NULL CHECK (length(minted) = 20),
    coordinator TEXT    NOT NULL,                     -- 0x-hex Ed25519 key that attested the job
    tx_hash     TEXT    NOT NULL UNIQUE REFERENCES txs (hash) ON DELETE CASCADE,
    height      BIGINT  NOT NULL REFERENCES blocks (height) ON DELETE CASCADE,
    idx         INTEGER NOT NULL                      -- the claim tx's position in its block
);

CREATE INDEX receipts_by_miner  ON receipts (miner, height DESC, idx DESC);
CREATE INDEX receipts_by_height ON receipts (height);

CREATE TABLE validators (
    epoch        BIGINT  NOT NULL,
    start_height BIGINT  NOT NULL,                    -- first height this set signs
    position     INTEGER NOT NULL,                    -- index in the set: its bit in commit signer bitmaps
    address      TEXT    NOT NULL,
    pub_key      TEXT    NOT NULL,                    -- 0x-hex Ed25519 account key
    bls_pub_key  TEXT    NOT NULL,                    -- 0x-hex BLS12-381 G1 compressed key
    weight       TEXT    NOT NULL CHECK (length(weight) = 20),
    PRIMARY KEY (epoch, address)
);

CREATE UNIQUE INDEX validators_by_position ON validators (epoch, position);
CREATE INDEX        validators_by_start    ON validators (start_height);
