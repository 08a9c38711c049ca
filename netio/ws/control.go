package ws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Control operations a client may send.
const (
	opSubscribe   = "subscribe"
	opUnsubscribe = "unsubscribe"
)

// maxControlTopics bounds the topics list (duplicates included).
const maxControlTopics = 16

// control is a decoded client message.
type control struct {
	op     string
	mask   topicMask
	topics []string // as requested, duplicates removed, in request order
}

// decodeControl parses {"op":"subscribe"|"unsubscribe","topics":[...]}:
// one JSON object, no unknown fields, no trailing data, 1..16 known topics.
// The caller bounds len(b).
func decodeControl(b []byte) (control, error) {
	var raw struct {
		Op     *string   `json:"op"`
		Topics *[]string `json:"topics"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return control{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return control{}, fmt.Errorf("%w: trailing data after the JSON object", ErrMalformed)
	}
	if raw.Op == nil {
		return control{}, fmt.Errorf("%w: missing \"op\"", ErrMalformed)
	}
	c := control{op: *raw.Op}
	if c.op != opSubscribe && c.op != opUnsubscribe {
		return control{}, fmt.Errorf("%w %.32q: want subscribe or unsubscribe", ErrUnknownOp, c.op)
	}
	if raw.Topics == nil || len(*raw.Topics) == 0 {
		return control{}, fmt.Errorf("%w: %s needs a non-empty \"topics\" list", ErrNoTopics, c.op)
	}
	if len(*raw.Topics) > maxControlTopics {
		return control{}, fmt.Errorf("%w: %d topics, at most %d", ErrMalformed, len(*raw.Topics), maxControlTopics)
	}
	for _, t := range *raw.Topics {
		i, ok := topicIndex(t)
		if !ok {
			return control{}, fmt.Errorf("%w %.64q: want one of %v", ErrUnknownTopic, t, topicNames)
		}
		if c.mask&(1<<i) == 0 {
			c.mask |= 1 << i
			c.topics = append(c.topics, t)
		}
	}
	return c, nil
}

type errorReply struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func encodeError(code, msg string) []byte {
	var r errorReply
	r.Error.Code, r.Error.Message = code, msg
	b, _ := json.Marshal(r) // strings only: cannot fail
	return b
}

func encodeAck(op string, topics []string) []byte {
	b, _ := json.Marshal(struct {
		Op     string   `json:"op"`
		Topics []string `json:"topics"`
	}{op, topics})
	return b
}
