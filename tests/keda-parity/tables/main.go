// Command keda-tables runs KEDA's own unit-test cases for the ScaledJob
// decision against alertsim: it reads `pkg/scaling/executor/scale_jobs_test.go`
// of one KEDA release (from the Go module cache, see ../README.md), turns
// every assertion on a scaling decision into a `keda decide --batch` line,
// and compares alertsim's answer with the value KEDA's authors wrote in
// the test. Cases alertsim cannot express are listed with the reason.
//
// It also runs KEDA's table for several triggers (triggers.go).
//
// This file: the mapping of a case to a decide state, the run and the
// report. read.go reads the executor's test file.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	IsActive    bool            `json:"is_active"`
	Errored     bool            `json:"any_trigger_errored"`
	QueueLength int64           `json:"queue_length"`
	MaxScale    int64           `json:"max_scale"`
	ScaleTo     int64           `json:"scale_to"`
	Effective   int64           `json:"effective_max_scale"`
	Branch      json.RawMessage `json:"branch"`
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

// item is one case to run: its name, its decide line and the comparison
// of alertsim's answer with KEDA's expected value.
type item struct {
	name    string
	line    []byte
	compare func(decision) (ok bool, detail string)
}

func intCheck(what string, want, have int64) (bool, string) {
	return want == have, fmt.Sprintf("KEDA's test expects %s %d, alertsim gives %d", what, want, have)
}

// strategyItems turns the executor test's checks into items.
func strategyItems(checks []Check) (items []item, skipped []Skipped) {
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
		c := c
		items = append(items, item{name: c.Name, line: text, compare: func(got decision) (bool, string) {
			switch c.What {
			case "effective":
				return intCheck("effective max scale", c.WantInt, got.Effective)
			case "scaleTo":
				return intCheck("scaleTo", c.WantInt, got.ScaleTo)
			default:
				have := typeName(got.Branch)
				return have == c.WantType, fmt.Sprintf("KEDA's test expects strategy %s, alertsim applies %s", c.WantType, have)
			}
		}})
	}
	return items, skipped
}

// triggerItems turns the rows of the several-trigger table into items.
func triggerItems(rows []TriggerRow) (items []item, skipped []Skipped) {
	for _, row := range rows {
		l, why := triggerLine(row)
		if why != "" {
			skipped = append(skipped, Skipped{row.Name, why})
			continue
		}
		text, err := json.Marshal(l)
		if err != nil {
			panic(err)
		}
		row := row
		items = append(items, item{name: row.Name, line: text, compare: func(got decision) (bool, string) {
			have := fmt.Sprintf("active %v, error %v, queue length %d, maxValue %d", got.IsActive, got.Errored, got.QueueLength, got.MaxScale)
			want := fmt.Sprintf("active %v, error %v, queue length %d, maxValue %d", row.WantActive, row.WantError, row.WantQueue, row.WantMax)
			return have == want, fmt.Sprintf("KEDA's test expects %s, alertsim gives %s", want, have)
		}})
	}
	return items, skipped
}

// Where the tables live in KEDA's module source.
const (
	executorTests = "pkg/scaling/executor/scale_jobs_test.go"
	handlerTests  = "pkg/scaling/scale_handler_test.go"
)

func main() {
	alertsim := flag.String("alertsim", "", "path of the alertsim binary")
	release := flag.String("keda-version", "", "the release name alertsim takes (e.g. 2.16)")
	tag := flag.String("tag", "", "the KEDA tag (for the report)")
	dir := flag.String("keda-dir", "", "KEDA's module source at that tag (go list -m -f '{{.Dir}}')")
	flag.Parse()
	if *alertsim == "" || *release == "" || *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: -alertsim PATH -keda-version NAME -tag vX.Y.Z -keda-dir DIR")
		os.Exit(2)
	}
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "keda-tables %s: "+format+"\n", append([]any{*tag}, args...)...)
		os.Exit(1)
	}
	checks, skipped, err := Read(filepath.Join(*dir, executorTests))
	if err != nil {
		fail("%v", err)
	}
	strategy, more := strategyItems(checks)
	skipped = append(skipped, more...)
	rows, others, err := ReadTriggerTable(filepath.Join(*dir, handlerTests))
	if err != nil {
		fail("%s: %v", handlerTests, err)
	}
	triggers, more := triggerItems(rows)
	skipped = append(append(skipped, more...), others...)
	for _, s := range skipped {
		fmt.Printf("keda-tables %s: not run: %s: %s\n", *tag, s.Name, s.Reason)
	}
	if len(strategy) == 0 {
		fail("no decision case found in %s (did the file move or change shape?)", executorTests)
	}
	if len(triggers) == 0 {
		fail("no several-trigger case found in %s (did the table move or change shape?)", handlerTests)
	}
	items := append(strategy, triggers...)
	var input bytes.Buffer
	for _, it := range items {
		input.Write(append(it.line, '\n'))
	}
	cmd := exec.Command(*alertsim, "keda", "decide", "--batch", "--explain", "--keda-version", *release)
	cmd.Stdin = &input
	cmd.Stderr = os.Stderr
	output, err := cmd.Output()
	if err != nil {
		fail("alertsim keda decide --batch: %v", err)
	}
	scanner := bufio.NewScanner(bytes.NewReader(output))
	matched := map[bool]int{}
	for i, it := range items {
		if !scanner.Scan() {
			fail("alertsim answered %d lines for %d cases", i, len(items))
		}
		var got decision
		if err := json.Unmarshal(scanner.Bytes(), &got); err != nil {
			fail("answer %d: %v: %s", i+1, err, scanner.Text())
		}
		ok, detail := it.compare(got)
		if ok {
			matched[i < len(strategy)]++
			continue
		}
		fmt.Printf("keda-tables %s: MISMATCH %s: %s\n  state: %s\n  alertsim: %s\n", *tag, it.name, detail, it.line, scanner.Text())
	}
	fmt.Printf("keda-tables %s: %s: %d cases run, %d matched; %s: %d rows run, %d matched; %d not run\n",
		*tag, executorTests, len(strategy), matched[true], handlerTests, len(triggers), matched[false], len(skipped))
	if matched[true]+matched[false] != len(items) {
		os.Exit(1)
	}
}
