package main

// This file: KEDA's own table for several triggers, the calls of
// `newScalerTestData` in pkg/scaling/scale_handler_test.go (four mock
// scalers, each with a queue length, a target average value and an
// activity, combined by multipleScalersCalculation, with the expected
// activity, error, queue length and maxValue of getScaledJobState). Each
// call is read by its parameter names, so a reordered signature is still
// read right and a renamed parameter fails loudly.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
)

// Trigger is one mock scaler of a row.
type Trigger struct {
	QueueLength, Target int64
	Active              bool
}

// TriggerRow is one row of KEDA's table.
type TriggerRow struct {
	Name        string
	MaxReplicas int64
	Calculation string
	Triggers    []Trigger
	// KEDA's expected results.
	WantActive, WantError bool
	WantQueue, WantMax    int64
}

var scalerParam = regexp.MustCompile(`^scaler(\d)(QueueLength|AverageValue|IsActive)$`)

// ReadTriggerTable reads the rows of the table in path, and lists the
// other ScaledJob-state tests of the file (those calling the handler's
// getScaledJobState or isScaledJobActive: straight-line single-trigger
// code, not read).
func ReadTriggerTable(path string) ([]TriggerRow, []Skipped, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	var params []string
	var rows []TriggerRow
	var skipped []Skipped
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		// The scale handler's ScaledJob-state method: isScaledJobActive
		// up to 2.16, getScaledJobState later.
		if ok && strings.HasPrefix(fn.Name.Name, "Test") && containsAny(calledNames(fn), []string{"getScaledJobState", "isScaledJobActive"}) {
			name := fn.Name.Name
			if calledNames(fn)["newScalerTestData"] {
				name += " (its assertions outside the newScalerTestData rows)"
			}
			skipped = append(skipped, Skipped{name, "straight-line single-trigger ScaledJob-state code, not read"})
		}
		if !ok || fn.Name.Name != "newScalerTestData" {
			continue
		}
		for _, field := range fn.Type.Params.List {
			for _, name := range field.Names {
				params = append(params, name.Name)
			}
		}
		// The minimum is left at zero: the helper must not set it.
		if calledNames(fn)["MinReplicaCount"] {
			return nil, nil, fmt.Errorf("newScalerTestData now sets MinReplicaCount, which this reader assumes 0")
		}
	}
	if params == nil {
		return nil, nil, fmt.Errorf("no newScalerTestData function in %s", path)
	}
	var readErr error
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || exprName(call.Fun) != "newScalerTestData" || readErr != nil {
			return true
		}
		row, err := triggerRow(params, call)
		if err != nil {
			readErr = fmt.Errorf("line %d: %v", fset.Position(call.Pos()).Line, err)
			return false
		}
		row.Name = fmt.Sprintf("newScalerTestData#%d (line %d, %s)", len(rows)+1, fset.Position(call.Pos()).Line, row.Calculation)
		rows = append(rows, row)
		return true
	})
	return rows, skipped, readErr
}

func triggerRow(params []string, call *ast.CallExpr) (TriggerRow, error) {
	if len(call.Args) != len(params) {
		return TriggerRow{}, fmt.Errorf("%d arguments for %d parameters", len(call.Args), len(params))
	}
	row := TriggerRow{}
	byIndex := map[int]*Trigger{}
	seen := map[string]bool{}
	for i, arg := range call.Args {
		v, err := literal(arg)
		if err != nil {
			return row, fmt.Errorf("argument %s: %v", params[i], err)
		}
		name := params[i]
		seen[name] = true
		if m := scalerParam.FindStringSubmatch(name); m != nil {
			k, _ := strconv.Atoi(m[1])
			if byIndex[k] == nil {
				byIndex[k] = &Trigger{}
			}
			t := byIndex[k]
			switch m[2] {
			case "QueueLength":
				t.QueueLength, err = asInt(v)
			case "AverageValue":
				t.Target, err = asInt(v)
			case "IsActive":
				t.Active, err = asBool(v)
			}
			if err != nil {
				return row, fmt.Errorf("%s: %v", name, err)
			}
			continue
		}
		switch name {
		case "metricName":
		case "maxReplicaCount":
			row.MaxReplicas, err = asInt(v)
		case "multipleScalersCalculation":
			row.Calculation, _ = v.(string)
		case "resultIsActive":
			row.WantActive, err = asBool(v)
		case "resultIsError":
			row.WantError, err = asBool(v)
		case "resultQueueLength":
			row.WantQueue, err = asInt(v)
		case "resultMaxLength", "resultMaxValue":
			row.WantMax, err = asInt(v)
		default:
			return row, fmt.Errorf("an unknown parameter %s", name)
		}
		if err != nil {
			return row, fmt.Errorf("%s: %v", name, err)
		}
	}
	for _, want := range []string{"maxReplicaCount", "multipleScalersCalculation", "resultIsActive", "resultIsError", "resultQueueLength"} {
		if !seen[want] {
			return row, fmt.Errorf("no parameter %s", want)
		}
	}
	for k := 1; byIndex[k] != nil; k++ {
		row.Triggers = append(row.Triggers, *byIndex[k])
	}
	if len(row.Triggers) != len(byIndex) || len(row.Triggers) == 0 {
		return row, fmt.Errorf("scaler parameters not numbered 1..n")
	}
	return row, nil
}

func literal(e ast.Expr) (any, error) {
	r := &reader{}
	return r.expr(e, map[string]any{})
}

func asInt(v any) (int64, error) {
	n, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("%v is not an integer", v)
	}
	return n, nil
}

func asBool(v any) (bool, error) {
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%v is not a boolean", v)
	}
	return b, nil
}

// triggerLine is the decide state of a row: the default strategy, no
// Jobs, minimum 0; each mock scaler a trigger whose activation makes it
// active as the row says (value > activation, strictly).
func triggerLine(row TriggerRow) (map[string]any, string) {
	switch row.Calculation {
	case "", "max", "min", "avg", "sum":
	default:
		return nil, fmt.Sprintf("multipleScalersCalculation %q, which KEDA treats as max but keda decide refuses", row.Calculation)
	}
	triggers := make([]map[string]any, len(row.Triggers))
	for i, t := range row.Triggers {
		activation := t.QueueLength
		if t.Active {
			activation--
		}
		triggers[i] = map[string]any{"queue_length": t.QueueLength, "target": t.Target, "activation": activation}
	}
	line := map[string]any{
		"strategy": "default", "min_replicas": 0, "max_replicas": row.MaxReplicas,
		"running": 0, "pending": 0, "triggers": triggers,
	}
	if row.Calculation != "" {
		line["multiple_scalers_calculation"] = row.Calculation
	}
	return line, ""
}
