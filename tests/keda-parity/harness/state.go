// Package harness drives KEDA's own ScaledJob code (one release per Go
// module, see ../README.md) and `alertsim keda decide --batch` on the same
// random states, and reports every state on which they disagree.
//
// This file: the state (the fields `keda decide --batch` reads) and the
// random generator.
package harness

import (
	"encoding/json"
	"math/rand"
)

// Trigger is one further trigger's reading, as in a `triggers` item.
type Trigger struct {
	QueueLength int64 `json:"queue_length"`
	Target      int64 `json:"target"`
	Activation  int64 `json:"activation"`
}

// State is one ScaledJob state with one redis-streams trigger, or several
// (More), in the shape of one `alertsim keda decide --batch` line.
type State struct {
	Strategy string `json:"strategy"`
	// Left empty: `--keda-version` gives the release.
	KedaVersion string `json:"keda_version,omitempty"`
	MinReplicas int32  `json:"min_replicas"`
	MaxReplicas int32  `json:"max_replicas"`
	// The trigger's metric: the redis lag, an int64 count (-1 for a NULL
	// lag on go-redis 9.14 and later).
	QueueLength int64 `json:"queue_length"`
	// lagCount.
	Target int64 `json:"target"`
	// activationLagCount.
	Activation int64 `json:"activation"`
	// Unfinished Jobs (R) and, of those, Jobs with no pod Running or
	// Succeeded (P).
	Running int32 `json:"running"`
	Pending int32 `json:"pending"`
	// Finished Jobs next to them (not a decide field: KEDA must not count them).
	Finished int32 `json:"-"`
	// customScalingQueueLengthDeduction; nil leaves it out of the spec.
	CustomDeduction *int32 `json:"custom_deduction,omitempty"`
	// customScalingRunningJobPercentage; nil leaves it out of the spec.
	CustomRunningPercentage *float64 `json:"custom_running_percentage,omitempty"`
	// Triggers after the first (whose reading is QueueLength, Target and
	// Activation); with any, the line carries a `triggers` array.
	More []Trigger `json:"-"`
	// multipleScalersCalculation; empty leaves it out (KEDA's max).
	Calculation string `json:"multiple_scalers_calculation,omitempty"`
}

// Triggers lists every trigger's reading, the first one first.
func (s State) Triggers() []Trigger {
	return append([]Trigger{{s.QueueLength, s.Target, s.Activation}}, s.More...)
}

// MarshalJSON writes the decide line: with several triggers, their
// readings go into a `triggers` array in place of the first one's fields.
func (s State) MarshalJSON() ([]byte, error) {
	type plain State
	line, err := json.Marshal(plain(s))
	if err != nil || len(s.More) == 0 {
		return line, err
	}
	var fields map[string]any
	if err := json.Unmarshal(line, &fields); err != nil {
		return nil, err
	}
	delete(fields, "queue_length")
	delete(fields, "target")
	delete(fields, "activation")
	fields["triggers"] = s.Triggers()
	return json.Marshal(fields)
}

var strategies = []string{"default", "custom", "accurate", "eager"}

func pick[T any](rng *rand.Rand, values ...T) T {
	return values[rng.Intn(len(values))]
}

func between(rng *rand.Rand, low, high int) int {
	return low + rng.Intn(high-low+1)
}

// Random draws a state: a third shaped like Rubin's ScaledJobs (min 3,
// max 1,700 / 600 / 100 / 30), most small, some with the minimum above
// the maximum; queue lengths, targets and activations around the edges
// (0, 1, -1) where the formulas branch.
func Random(rng *rand.Rand) State {
	s := State{Strategy: pick(rng, strategies...)}
	shape := rng.Float64()
	switch {
	case shape < 0.3:
		s.MinReplicas = 3
		s.MaxReplicas = pick[int32](rng, 1700, 600, 100, 30)
	case shape < 0.9:
		s.MinReplicas = int32(between(rng, 0, 20))
		s.MaxReplicas = int32(between(rng, 1, 200))
	default:
		s.MaxReplicas = int32(between(rng, 1, 10))
		s.MinReplicas = s.MaxReplicas + int32(between(rng, 0, 10))
	}
	limit := int(s.MaxReplicas+s.MinReplicas) + 50
	s.Running = int32(between(rng, 0, limit))
	s.Pending = int32(between(rng, 0, int(s.Running)))
	s.Finished = int32(between(rng, 0, 3))
	first := randomTrigger(rng, limit)
	s.QueueLength, s.Target, s.Activation = first.QueueLength, first.Target, first.Activation
	// A quarter of the states have two to four triggers.
	if rng.Float64() < 0.25 {
		for n := between(rng, 1, 3); n > 0; n-- {
			s.More = append(s.More, randomTrigger(rng, limit))
		}
		s.Calculation = pick(rng, "", "max", "min", "avg", "sum")
	}
	if s.Strategy == "custom" || rng.Float64() < 0.1 {
		if rng.Float64() < 0.8 {
			d := int32(between(rng, -5, 20))
			s.CustomDeduction = &d
		}
		if rng.Float64() < 0.85 {
			var p float64
			if rng.Float64() < 0.5 {
				p = pick(rng, 0, 0.5, 1, 0.25, 0.7, 0.29, 0.57)
			} else {
				p = float64(between(rng, -50, 200)) / 100
			}
			s.CustomRunningPercentage = &p
		}
	}
	return s
}

// randomTrigger draws one trigger's reading: queue lengths, targets and
// activations around the edges (0, 1, -1) where the formulas branch.
func randomTrigger(rng *rand.Rand, limit int) (t Trigger) {
	if rng.Float64() < 0.15 {
		t.QueueLength = pick[int64](rng, -1, 0, 1, 2)
	} else {
		t.QueueLength = int64(between(rng, -1, 3*limit))
	}
	if rng.Float64() < 0.7 {
		t.Target = pick[int64](rng, 0, 1, 1, 1, 2, 5, 10)
	} else {
		t.Target = int64(between(rng, 0, 20))
	}
	if rng.Float64() < 0.8 {
		t.Activation = pick[int64](rng, 0, 1, 1, 2)
	} else {
		t.Activation = int64(between(rng, -2, 10))
	}
	return t
}
