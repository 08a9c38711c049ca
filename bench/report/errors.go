package report

import (
	"errors"
	"fmt"
)

var (
	// ErrSyntax: the input is not one JSON object of the report's shape.
	ErrSyntax = errors.New("report: not a report JSON document")
	// ErrVersion: the document is a report of another format version.
	ErrVersion = errors.New("report: unsupported format version")
	// ErrInvalid: a field holds a value no measurement can produce.
	ErrInvalid = errors.New("report: invalid field")
)

// FieldError names the field that made a document invalid; it wraps
// ErrInvalid.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("report: %s: %s", e.Field, e.Reason) }
func (e *FieldError) Unwrap() error { return ErrInvalid }
