package ws

import (
	"errors"
)

// ErrInvalidConfig wraps every Config.Validate failure.
var ErrInvalidConfig = errors.New("invalid ws config")

// ErrStarted: Start was called on a server that was started (or stopped) before.
var ErrStarted = errors.New("ws server already started")

// Control message errors; the client gets the code next to each.
var (
	ErrMalformed       = errors.New("malformed control message")   // bad_json
	ErrUnknownOp       = errors.New("unknown op")                  // unknown_op
	ErrUnknownTopic    = errors.New("unknown topic")               // unknown_topic
	ErrNoTopics        = errors.New("no topics")                   // bad_request
	ErrMessageTooLarge = errors.New("message too large")           // message_too_large
	ErrBinaryMessage   = errors.New("binary messages unsupported") // unsupported_message
	ErrBadFromHeight   = errors.New("bad from_height")             // bad_from_height
)

// Error codes sent in {"error":{"code":...}} and in HTTP error bodies.
const (
	CodeBadJSON            = "bad_json"
	CodeUnknownOp          = "unknown_op"
	CodeUnknownTopic       = "unknown_topic"
	CodeBadRequest         = "bad_request"
	CodeMessageTooLarge    = "message_too_large"
	CodeUnsupportedMessage = "unsupported_message"
	CodeNotFound           = "not_found"
	CodeMethodNotAllowed   = "method_not_allowed"
	CodeTooManyConnections = "too_many_connections"
	CodeStopping           = "stopping"
	CodeBadFromHeight      = "bad_from_height"
)

// errorCode maps a control message error to its wire code.
func errorCode(err error) string {
	switch {
	case errors.Is(err, ErrUnknownOp):
		return CodeUnknownOp
	case errors.Is(err, ErrUnknownTopic):
		return CodeUnknownTopic
	case errors.Is(err, ErrNoTopics):
		return CodeBadRequest
	case errors.Is(err, ErrMessageTooLarge):
		return CodeMessageTooLarge
	case errors.Is(err, ErrBinaryMessage):
		return CodeUnsupportedMessage
	case errors.Is(err, ErrBadFromHeight):
		return CodeBadFromHeight
	}
	return CodeBadJSON
}
