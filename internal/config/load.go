package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// LoadFile overlays the TOML file at path onto c. Unknown keys are an error
// (a typo must not silently fall back to a default).
func (c *Config) LoadFile(path string) error {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return fmt.Errorf("%w: config file %s: %v", ErrInvalid, path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fmt.Errorf("%w: config file %s: unknown key %q", ErrInvalid, path, und[0].String())
	}
	return nil
}

// LoadEnv overlays the environment variables that are set (lookup is
// os.LookupEnv in production).
func (c *Config) LoadEnv(lookup func(string) (string, bool)) error {
	return c.each(func(f reflect.StructField, v reflect.Value) error {
		s, ok := lookup(f.Tag.Get("env"))
		if !ok {
			return nil
		}
		if err := setValue(v, s); err != nil {
			return fmt.Errorf("%w: %s=%q: %v", ErrInvalid, f.Tag.Get("env"), s, err)
		}
		return nil
	})
}

// RegisterFlags adds one flag per field to fs; values set on the command
// line overlay c when fs.Parse runs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	_ = c.each(func(f reflect.StructField, v reflect.Value) error {
		fs.Var(fieldValue{v}, f.Tag.Get("flag"), f.Tag.Get("help")+" (env "+f.Tag.Get("env")+")")
		return nil
	})
}

// Load is the standard layering: defaults < file (if path is set) < env < flags already parsed into fs.
// Because flags must win over env, Load re-applies the flags that were set.
func Load(path string, fs *flag.FlagSet) (Config, error) {
	c := DefaultConfig()
	if path != "" {
		if err := c.LoadFile(path); err != nil {
			return c, err
		}
	}
	if err := c.LoadEnv(os.LookupEnv); err != nil {
		return c, err
	}
	if fs != nil {
		var ferr error
		fs.Visit(func(fl *flag.Flag) {
			if ferr != nil {
				return
			}
			_ = c.each(func(f reflect.StructField, v reflect.Value) error {
				if f.Tag.Get("flag") == fl.Name {
					if err := setValue(v, fl.Value.String()); err != nil {
						ferr = fmt.Errorf("%w: --%s: %v", ErrInvalid, fl.Name, err)
					}
				}
				return nil
			})
		})
		if ferr != nil {
			return c, ferr
		}
	}
	return c, c.Validate()
}

func (c *Config) each(fn func(reflect.StructField, reflect.Value) error) error {
	rv := reflect.ValueOf(c).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		if err := fn(rt.Field(i), rv.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

var durationType = reflect.TypeOf(time.Duration(0))

func setValue(v reflect.Value, s string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return errors.New("not a boolean (true/false, 1/0)")
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return errors.New("not an integer")
		}
		v.SetInt(n)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		v.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported field kind %s", v.Kind())
	}
	return nil
}

// fieldValue adapts a struct field to flag.Value. Set validates syntax only;
// Load applies the text again in the right layer order.
type fieldValue struct{ v reflect.Value }

func (f fieldValue) String() string {
	if !f.v.IsValid() {
		return ""
	}
	if f.v.Type() == durationType {
		return time.Duration(f.v.Int()).String()
	}
	if f.v.Kind() == reflect.Slice {
		s, _ := f.v.Interface().([]string)
		return strings.Join(s, ",")
	}
	return fmt.Sprint(f.v.Interface())
}

func (f fieldValue) Set(s string) error { return setValue(f.v, s) }

// IsBoolFlag lets a bool field be given as a bare --flag.
func (f fieldValue) IsBoolFlag() bool { return f.v.IsValid() && f.v.Kind() == reflect.Bool }
