// Package harness drives KEDA's own ScaledJob code (one release per Go
// module, see ../README.md) and `alertsim keda decide --batch` on the same
// random states, and reports every state on which they disagree.
//
// This file: the state (the fields `keda decide --batch` reads) and the
// random generator.
package harness

import (
	"math/rand"
)

// State is one ScaledJob state with a single redis-streams trigger, in the
// shape of one `alertsim keda decide --batch` line.
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
	if rng.Float64() < 0.15 {
		s.QueueLength = pick[int64](rng, -1, 0, 1, 2)
	} else {
		s.QueueLength = int64(between(rng, -1, 3*limit))
	}
	if rng.Float64() < 0.7 {
		s.Target = pick[int64](rng, 0, 1, 1, 1, 2, 5, 10)
	} else {
		s.Target = int64(between(rng, 0, 20))
	}
	if rng.Float64() < 0.8 {
		s.Activation = pick[int64](rng, 0, 1, 1, 2)
	} else {
		s.Activation = int64(between(rng, -2, 10))
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
