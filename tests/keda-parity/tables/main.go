// Command keda-tables runs KEDA's own unit-test cases for the ScaledJob
// decision against alertsim: it reads `pkg/scaling/executor/scale_jobs_test.go`
// of one KEDA release (from the Go module cache, see ../README.md), turns
// every assertion on a scaling decision into a `keda decide --batch` line,
// and compares alertsim's answer with the value KEDA's authors wrote in
// the test. Cases alertsim cannot express are listed with the reason.
//
// This file: the mapping of a case to a decide state, the run and the
// report. read.go reads the test file.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
)

// line is one `alertsim keda decide --batch` state.
type line struct {
	Strategy    string   `json:"strategy"`
	MinReplicas int64    `json:"min_replicas"`
	MaxReplicas int64    `json:"max_replicas"`
	QueueLength float64  `json:"queue_length"`
	Target      float64  `json:"target"`
	Activation  float64  `json:"activation"`
	Running     int64    `json:"running"`
	Pending     int64    `json:"pending"`
	Deduction   *int64   `json:"custom_deduction,omitempty"`
	Percentage  *float64 `json:"custom_running_percentage,omitempty"`
}

// decision is the part of alertsim's --explain answer the checks read.
type decision struct {
	ScaleTo   int64           `json:"scale_to"`
	Effective int64           `json:"effective_max_scale"`
	Branch    json.RawMessage `json:"branch"`
}

// scaling sets the strategy fields of a line from a strategy value, as
// NewScalingStrategy reads the ScaledJob (custom whose percentage does not
// parse as a float falls back to default; an unknown name is default).
func scaling(l *line, s Strategy) string {
	if s.FromLiteral {
		if s.LitPercentage == nil {
			return "a customScalingStrategy literal without a running-Job percentage, which NewScalingStrategy never builds"
		}
		l.Strategy, l.Deduction, l.Percentage = "custom", s.LitDeduction, s.LitPercentage
		return ""
	}
	if len(s.Spec.Unsupported) > 0 {
		return fmt.Sprintf("ScaledJob fields %v are not an input of keda decide", s.Spec.Unsupported)
	}
	return specScaling(l, s.Spec)
}

func specScaling(l *line, spec Spec) string {
	if len(spec.Unsupported) > 0 {
		return fmt.Sprintf("ScaledJob fields %v are not an input of keda decide", spec.Unsupported)
	}
	switch spec.Strategy {
	case "custom", "accurate", "eager":
		l.Strategy = spec.Strategy
	default:
		l.Strategy = "default"
	}
	l.Deduction = spec.Deduction
	if p, err := strconv.ParseFloat(spec.Percentage, 64); err == nil {
		l.Percentage = &p
	}
	return ""
}

// scale sets queue_length and target so that alertsim's scaleTo
// (ceil(queue length)) and maxScale (ceil(queue length / target), capped)
// are the case's: the queue length is scaleTo - 0.5 and the ratio
// maxScale - 0.5, away from the rounding edges. A zero target gives
// maxScale 0.
func scale(l *line, maxScale, scaleTo, maxAboveMin int64) string {
	switch {
	case maxScale < 0 || scaleTo < 0:
		return fmt.Sprintf("a negative maxScale %d or scaleTo %d, which a ScaledJob's metrics never give", maxScale, scaleTo)
	case maxScale > maxAboveMin:
		return fmt.Sprintf("maxScale %d above maxReplicaCount %d, which the ScaledJob path caps before the strategy (scaledjob.getMaxValue)", maxScale, maxAboveMin)
	case scaleTo == 0 && maxScale > 0:
		return fmt.Sprintf("scaleTo 0 with maxScale %d, which a queue length of 0 cannot give", maxScale)
	}
	if scaleTo > 0 {
		l.QueueLength = float64(scaleTo) - 0.5
	}
	if maxScale > 0 {
		l.Target = l.QueueLength / (float64(maxScale) - 0.5)
	}
	return ""
}

// toLine maps a case's call to a decide state, or says why it cannot.
func toLine(c Call) (line, string) {
	var l line
	if c.Kind == "decision" {
		if why := specScaling(&l, c.ScaledJob); why != "" {
			return l, why
		}
		if c.ScaledJob.MaxReplicas == nil {
			return l, "a ScaledJob without maxReplicaCount (keda decide needs one)"
		}
		if c.ScaledJob.MinReplicas != nil {
			l.MinReplicas = *c.ScaledJob.MinReplicas
		}
		l.MaxReplicas = *c.ScaledJob.MaxReplicas
		if c.Running < 0 || c.Pending < 0 || c.Pending > c.Running {
			return l, fmt.Sprintf("running %d and pending %d Jobs, not a Job count", c.Running, c.Pending)
		}
		l.Running, l.Pending = c.Running, c.Pending
		return l, scale(&l, c.MaxScale, c.ScaleTo, l.MaxReplicas-l.MinReplicas)
	}
	if why := scaling(&l, c.Strategy); why != "" {
		return l, why
	}
	// The strategy sees runningJobCount - minReplicaCount and
	// maxReplicaCount - minReplicaCount: a minimum covering the pending
	// Jobs keeps P <= R.
	if c.Running < 0 || c.Pending < 0 || c.MaxReplicas < 1 {
		return l, fmt.Sprintf("running %d, pending %d, maxReplicaCount %d: not Job counts", c.Running, c.Pending, c.MaxReplicas)
	}
	l.MinReplicas = max(0, c.Pending-c.Running)
	l.MaxReplicas = c.MaxReplicas + l.MinReplicas
	l.Running, l.Pending = c.Running+l.MinReplicas, c.Pending
	return l, scale(&l, c.MaxScale, c.ScaleTo, c.MaxReplicas)
}

// typeName is KEDA's %T of the strategy alertsim applied.
func typeName(branch json.RawMessage) string {
	var b struct {
		Strategy string `json:"strategy"`
	}
	if json.Unmarshal(branch, &b) == nil && b.Strategy != "" {
		return "executor." + b.Strategy + "ScalingStrategy"
	}
	if string(branch) == `"keda_panics"` {
		// The custom strategy's nil deduction: NewScalingStrategy built a
		// customScalingStrategy, which panics when called.
		return "executor.customScalingStrategy"
	}
	return string(branch)
}

func main() {
	alertsim := flag.String("alertsim", "", "path of the alertsim binary")
	release := flag.String("keda-version", "", "the release name alertsim takes (e.g. 2.16)")
	tag := flag.String("tag", "", "the KEDA tag the file comes from (for the report)")
	path := flag.String("file", "", "KEDA's pkg/scaling/executor/scale_jobs_test.go at that tag")
	flag.Parse()
	if *alertsim == "" || *release == "" || *path == "" {
		fmt.Fprintln(os.Stderr, "usage: -alertsim PATH -keda-version NAME -tag vX.Y.Z -file scale_jobs_test.go")
		os.Exit(2)
	}
	checks, skipped, err := Read(*path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "keda-tables %s: %v\n", *tag, err)
		os.Exit(1)
	}
	var run []Check
	var input bytes.Buffer
	for _, c := range checks {
		l, why := toLine(c.Call)
		if why != "" {
			skipped = append(skipped, Skipped{c.Name, why})
			continue
		}
		text, err := json.Marshal(l)
		if err != nil {
			panic(err)
		}
		input.Write(append(text, '\n'))
		run = append(run, c)
	}
	for _, s := range skipped {
		fmt.Printf("keda-tables %s: not run: %s: %s\n", *tag, s.Name, s.Reason)
	}
	if len(run) == 0 {
		fmt.Fprintf(os.Stderr, "keda-tables %s: no decision case found in %s (did the file move or change shape?)\n", *tag, *path)
		os.Exit(1)
	}
	cmd := exec.Command(*alertsim, "keda", "decide", "--batch", "--explain", "--keda-version", *release)
	cmd.Stdin = bytes.NewReader(input.Bytes())
	cmd.Stderr = os.Stderr
	output, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "alertsim keda decide --batch: %v\n", err)
		os.Exit(1)
	}
	lines := bytes.Split(input.Bytes(), []byte("\n"))
	scanner := bufio.NewScanner(bytes.NewReader(output))
	matched := 0
	for i, c := range run {
		if !scanner.Scan() {
			fmt.Fprintf(os.Stderr, "alertsim answered %d lines for %d cases\n", i, len(run))
			os.Exit(1)
		}
		var got decision
		if err := json.Unmarshal(scanner.Bytes(), &got); err != nil {
			fmt.Fprintf(os.Stderr, "answer %d: %v: %s\n", i+1, err, scanner.Text())
			os.Exit(1)
		}
		var ok bool
		var want, have string
		switch c.What {
		case "effective":
			ok, want, have = got.Effective == c.WantInt, strconv.FormatInt(c.WantInt, 10), strconv.FormatInt(got.Effective, 10)
		case "scaleTo":
			ok, want, have = got.ScaleTo == c.WantInt, strconv.FormatInt(c.WantInt, 10), strconv.FormatInt(got.ScaleTo, 10)
		case "type":
			have = typeName(got.Branch)
			ok, want = have == c.WantType, c.WantType
		}
		if ok {
			matched++
			continue
		}
		fmt.Printf("keda-tables %s: MISMATCH %s: KEDA's test expects %s %s, alertsim gives %s\n  state: %s\n  alertsim: %s\n",
			*tag, c.Name, c.What, want, have, lines[i], scanner.Text())
	}
	fmt.Printf("keda-tables %s: %d cases run, %d matched, %d not run\n", *tag, len(run), matched, len(skipped))
	if matched != len(run) {
		os.Exit(1)
	}
}
