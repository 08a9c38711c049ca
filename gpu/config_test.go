package gpu

import (
	"errors"
	"testing"
	"time"
)

func TestBatcherConfigValidate(t *testing.T) {
	def := DefaultBatcherConfig()
	if def.MaxBatch != 256 || def.MaxWait != 2*time.Millisecond || def.QueueLen != 16384 ||
		def.RejectWhenFull || def.MinPrimaryBatch != 0 {
		t.Fatalf("defaults changed: %+v", def)
	}
	tests := []struct {
		name  string
		cfg   BatcherConfig
		field string // "" = valid
	}{
		{"defaults", def, ""},
		{"zero value means defaults", BatcherConfig{}, ""},
		{"queue defaults to at least MaxBatch", BatcherConfig{MaxBatch: 20000}, ""},
		{"min primary = max batch", BatcherConfig{MaxBatch: 64, MinPrimaryBatch: 64}, ""},
		{"negative batch", BatcherConfig{MaxBatch: -1}, "MaxBatch"},
		{"huge batch", BatcherConfig{MaxBatch: maxBatchLimit + 1}, "MaxBatch"},
		{"negative wait", BatcherConfig{MaxWait: -time.Millisecond}, "MaxWait"},
		{"wait too long", BatcherConfig{MaxWait: time.Hour}, "MaxWait"},
		{"negative queue", BatcherConfig{QueueLen: -5}, "QueueLen"},
		{"huge queue", BatcherConfig{QueueLen: maxQueueLimit + 1}, "QueueLen"},
		{"queue below batch", BatcherConfig{MaxBatch: 512, QueueLen: 100}, "QueueLen"},
		{"negative min primary", BatcherConfig{MinPrimaryBatch: -1}, "MinPrimaryBatch"},
		{"min primary above batch", BatcherConfig{MaxBatch: 16, MinPrimaryBatch: 17}, "MinPrimaryBatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want a *ConfigError for %s", err, tt.field)
			}
			if _, err := NewBatcher(NewCPU(1), nil, tt.cfg, nil); !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("NewBatcher: %v, want a *ConfigError for %s", err, tt.field)
			}
		})
	}
	var ce *ConfigError
	if _, err := NewBatcher(nil, NewCPU(1), def, nil); !errors.As(err, &ce) || ce.Field != "primary" {
		t.Fatalf("nil primary: %v", err)
	}
}
