package rpc

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"go.yaml.in/yaml/v4"
)

// openapiYAML is the API contract (OpenAPI 3.1): every route of routes(),
// its parameters, success bodies and error answers. openapi_test.go keeps
// it and the route table in step, and validates real responses against it.
//
//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPIYAML returns the contract as written (for tools and tests).
func OpenAPIYAML() []byte { return append([]byte(nil), openapiYAML...) }

// openapiJSON is the contract as JSON, converted once: the form
// GET /openapi.json serves and code generators read.
var openapiJSON = sync.OnceValues(func() (json.RawMessage, error) {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml as JSON: %w", err)
	}
	return b, nil
})

func (s *Server) openapi(_ http.ResponseWriter, _ *http.Request) (any, error) {
	return openapiJSON() // an error is internal: the tests pin that it converts
}
