package observability

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry with the Go runtime and process collectors
// registered. The node uses one registry (not the global default) so tests
// can build as many nodes as they like in one process.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// MetricsHandler serves reg in the Prometheus exposition format. A
// collector that fails is reported in the response and counted in
// promhttp_metric_handler_errors_total rather than failing the scrape.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:            reg,
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
	}))
}

// Register registers c with reg and returns it; if a collector of the same
// type is already registered under the same name (a second instance of a
// component on one registry), that one is returned and shared instead.
// Any other clash is a programming error and panics.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	existing, err := register(reg, c)
	if err != nil {
		panic(err)
	}
	if e, ok := existing.(C); ok {
		return e
	}
	panic(fmt.Sprintf("observability: %T registered where a %T was", existing, c))
}

// register registers c, or returns the collector registered already
// under its descriptors.
func register(reg prometheus.Registerer, c prometheus.Collector) (prometheus.Collector, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector, nil
		}
		return nil, err
	}
	return c, nil
}

// RegisterFields registers every non-nil exported field of the struct s
// points to whose type is a prometheus.Collector, as Register does: a
// field whose collector is registered already (a second instance of a
// component on one registry) is set to the registered one. Other fields
// are left alone. It panics where Register does, and when s is not a
// pointer to a struct.
func RegisterFields(reg prometheus.Registerer, s any) {
	v := reflect.ValueOf(s).Elem()
	collector := reflect.TypeFor[prometheus.Collector]()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !f.CanSet() || !f.Type().Implements(collector) || f.IsNil() {
			continue
		}
		existing, err := register(reg, f.Interface().(prometheus.Collector))
		if err != nil {
			panic(err)
		}
		e := reflect.ValueOf(existing)
		if !e.Type().AssignableTo(f.Type()) {
			panic(fmt.Sprintf("observability: %s registered as a %s, field %s is a %s", v.Type().Field(i).Name, e.Type(), v.Type(), f.Type()))
		}
		f.Set(e)
	}
}
