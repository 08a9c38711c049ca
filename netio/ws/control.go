package ws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
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
	op         string
	mask       topicMask
	topics     []string // as requested, duplicates removed, in request order
	fromHeight uint64   // subscribe to new_blocks from this height (0: from the next block)
}

// decodeControl parses {"op":"subscribe"|"unsubscribe","topics":[...]}
// with an optional "from_height" >= 1 on a subscribe that includes
// new_blocks: one JSON object, no unknown fields, no trailing data, 1..16
// known topics. The caller bounds len(b).
func decodeControl(b []byte) (control, error) {
	var raw struct {
		Op         *string   `json:"op"`
		Topics     *[]string `json:"topics"`
		FromHeight *uint64   `json:"from_height"`
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
	if raw.FromHeight != nil {
		switch {
		case c.op != opSubscribe:
			return control{}, fmt.Errorf("%w: only with subscribe", ErrBadFromHeight)
		case c.mask&(1<<blocksTopic) == 0:
			return control{}, fmt.Errorf("%w: only with the %s topic", ErrBadFromHeight, TopicNewBlocks)
		case *raw.FromHeight == 0:
			return control{}, fmt.Errorf("%w: heights start at 1", ErrBadFromHeight)
		}
		c.fromHeight = *raw.FromHeight
	}
	return c, nil
}

// pathFromHeight reads ?from_height=H of an upgrade request for mask (the
// path's topic): the only query parameter there is, for /ws/new_blocks.
func (s *Server) pathFromHeight(r *http.Request, mask topicMask) (uint64, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return 0, fmt.Errorf("%w: query does not parse", ErrBadFromHeight)
	}
	for k, v := range q {
		if k != "from_height" || len(v) != 1 {
			return 0, fmt.Errorf("%w: the only query parameter is one from_height, got %.40q", ErrBadFromHeight, k)
		}
	}
	if mask != 1<<blocksTopic {
		return 0, fmt.Errorf("%w: only on /ws/%s", ErrBadFromHeight, TopicNewBlocks)
	}
	if s.src == nil {
		return 0, fmt.Errorf("%w: this server has no block feed", ErrBadFromHeight)
	}
	h, err := strconv.ParseUint(q.Get("from_height"), 10, 64)
	if err != nil || h == 0 {
		return 0, fmt.Errorf("%w: %.40q is not a height >= 1", ErrBadFromHeight, q.Get("from_height"))
	}
	return h, nil
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

// encodeAck is {"op":...,"topics":[...],"subscriptions":{topic: id}}; the
// ids are those the topics' messages will carry in "sub".
func encodeAck(op string, topics []string, ids map[string]string) []byte {
	b, _ := json.Marshal(struct {
		Op            string            `json:"op"`
		Topics        []string          `json:"topics"`
		Subscriptions map[string]string `json:"subscriptions,omitempty"`
	}{op, topics, ids})
	return b
}
