package main

// This file: reading KEDA's scale_jobs_test.go with go/ast. The decision
// tests are straight-line code (build a ScaledJob with a helper, make a
// strategy, call it, assert on the result), so a small evaluator walks
// each test function in order and records every `assert.Equal` whose
// actual value is a scaling decision. A statement it cannot read ends the
// reading of that test function, and is reported with its line: nothing
// is dropped silently.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// Spec is what a ScaledJob built by one of the test file's helpers says
// about the decision. Fields the decision does not read (name, namespace,
// job template, history limits) are dropped; any other field makes the
// spec unusable, named in Unsupported.
type Spec struct {
	MinReplicas, MaxReplicas *int64
	Strategy                 string
	Deduction                *int64
	// The customScalingRunningJobPercentage string, as written.
	Percentage  string
	Unsupported []string
}

// Strategy is a ScalingStrategy value: from NewScalingStrategy(spec), or a
// customScalingStrategy literal (FromLiteral) with its two pointers.
type Strategy struct {
	Spec          Spec
	FromLiteral   bool
	LitDeduction  *int64
	LitPercentage *float64
}

// Call is one call of the strategy's GetEffectiveMaxScale or of the
// executor's getScalingDecision, with its arguments.
type Call struct {
	Kind string // "strategy" or "decision"
	// For a strategy call.
	Strategy Strategy
	// For a decision call: the ScaledJob.
	ScaledJob Spec
	// GetEffectiveMaxScale(maxScale, runningJobCount, pendingJobCount,
	// maxReplicaCount, scaleTo), or getScalingDecision(scaledJob,
	// runningJobCount, scaleTo, maxScale, pendingJobCount).
	MaxScale, Running, Pending, MaxReplicas, ScaleTo int64
}

// Check is one assertion of KEDA's test on a decision.
type Check struct {
	Name string // TestX#n (line L)
	Call Call
	// What is checked: "effective" (the first result), "scaleTo" (the
	// second) or "type" (the strategy NewScalingStrategy chose).
	What string
	// The expected value: an int64, or for "type" the %T string.
	WantInt  int64
	WantType string
}

// Skipped is a test function, or the rest of one, that was not run.
type Skipped struct {
	Name   string
	Reason string
}

type tuple struct {
	call Call
}

type elem struct {
	t *tuple
	i int
}

type typeOf struct{ s Strategy }

type pointer struct{ v any }

type composite struct {
	typ    string
	fields map[string]any
}

type opaque struct{ what string }

type reader struct {
	fset    *token.FileSet
	helpers map[string]*ast.FuncDecl
}

// decisionMarkers are the names that make a test function a decision test.
var decisionMarkers = []string{"GetEffectiveMaxScale", "NewScalingStrategy", "getScalingDecision", "customScalingStrategy"}

// Read parses the file and returns the checks and the skipped tests.
func Read(path string) ([]Check, []Skipped, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	r := &reader{fset: fset, helpers: map[string]*ast.FuncDecl{}}
	var tests []*ast.FuncDecl
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv != nil {
			continue
		}
		if strings.HasPrefix(fn.Name.Name, "Test") {
			tests = append(tests, fn)
		} else {
			r.helpers[fn.Name.Name] = fn
		}
	}
	var checks []Check
	var skipped []Skipped
	for _, fn := range tests {
		names := calledNames(fn)
		if !containsAny(names, decisionMarkers) {
			skipped = append(skipped, Skipped{fn.Name.Name, notDecision(names)})
			continue
		}
		got, skip := r.test(fn)
		checks = append(checks, got...)
		if skip != nil {
			skipped = append(skipped, *skip)
		}
	}
	return checks, skipped, nil
}

// calledNames lists the identifiers and selectors a function mentions.
func calledNames(fn *ast.FuncDecl) map[string]bool {
	names := map[string]bool{}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			names[x.Sel.Name] = true
		case *ast.Ident:
			names[x.Name] = true
		}
		return true
	})
	return names
}

func containsAny(names map[string]bool, wanted []string) bool {
	for _, w := range wanted {
		if names[w] {
			return true
		}
	}
	return false
}

// notDecision says why a test that makes no scaling decision is not run.
func notDecision(names map[string]bool) string {
	reasons := map[string]string{
		"cleanUp":            "the finished-Job history cleanup (cleanUp): not a decision; `keda decide` has no history input",
		"getPendingJobCount": "the pending-Job count from pods and pendingPodConditions (getPendingJobCount): `keda decide` takes the pending count as given",
		"createJobs":         "the Job objects created (createJobs): names and namespaces, not a decision",
		"generateJobs":       "the Job objects generated (generateJobs): labels and annotations, not a decision",
	}
	var found []string
	for name, reason := range reasons {
		if names[name] {
			found = append(found, reason)
		}
	}
	sort.Strings(found)
	if len(found) == 0 {
		return "calls none of " + strings.Join(decisionMarkers, ", ")
	}
	return strings.Join(found, "; ")
}

// test evaluates one test function's statements in order.
func (r *reader) test(fn *ast.FuncDecl) (checks []Check, skip *Skipped) {
	env := map[string]any{}
	for _, stmt := range fn.Body.List {
		check, err := r.stmt(stmt, env)
		if err != nil {
			line := r.fset.Position(stmt.Pos()).Line
			return checks, &Skipped{
				Name:   fmt.Sprintf("%s from line %d", fn.Name.Name, line),
				Reason: fmt.Sprintf("not read: %v", err),
			}
		}
		if check != nil {
			check.Name = fmt.Sprintf("%s#%d (line %d)", fn.Name.Name, len(checks)+1, r.fset.Position(stmt.Pos()).Line)
			checks = append(checks, *check)
		}
	}
	return checks, nil
}

func (r *reader) stmt(stmt ast.Stmt, env map[string]any) (*Check, error) {
	switch s := stmt.(type) {
	case *ast.AssignStmt:
		return nil, r.assign(s, env)
	case *ast.DeclStmt:
		return nil, r.decl(s, env)
	case *ast.ExprStmt:
		call, ok := s.X.(*ast.CallExpr)
		if !ok || exprName(call.Fun) != "assert.Equal" {
			return nil, fmt.Errorf("a statement other than assert.Equal: %s", exprName(s.X))
		}
		return r.assertion(call, env)
	default:
		return nil, fmt.Errorf("a %T statement", stmt)
	}
}

func (r *reader) assign(s *ast.AssignStmt, env map[string]any) error {
	if len(s.Rhs) == 1 && len(s.Lhs) == 2 {
		v, err := r.expr(s.Rhs[0], env)
		if err != nil {
			return err
		}
		t, ok := v.(*tuple)
		if !ok {
			return fmt.Errorf("two values from %s", exprName(s.Rhs[0]))
		}
		for i, lhs := range s.Lhs {
			if err := r.bind(lhs, elem{t, i}, env); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.Lhs) != len(s.Rhs) {
		return fmt.Errorf("an assignment of %d values to %d names", len(s.Rhs), len(s.Lhs))
	}
	for i, lhs := range s.Lhs {
		v, err := r.expr(s.Rhs[i], env)
		if err != nil {
			return err
		}
		if err := r.bind(lhs, v, env); err != nil {
			return err
		}
	}
	return nil
}

// ignoredFields are ScaledJob fields the decision does not read.
var ignoredFields = map[string]bool{"Name": true, "Namespace": true, "Labels": true, "Annotations": true}

func (r *reader) bind(lhs ast.Expr, v any, env map[string]any) error {
	switch l := lhs.(type) {
	case *ast.Ident:
		if l.Name != "_" {
			env[l.Name] = v
		}
		return nil
	case *ast.SelectorExpr:
		if ignoredFields[l.Sel.Name] {
			return nil
		}
		return fmt.Errorf("an assignment to %s", exprName(l))
	default:
		return fmt.Errorf("an assignment to %s", exprName(lhs))
	}
}

func (r *reader) decl(s *ast.DeclStmt, env map[string]any) error {
	gen, ok := s.Decl.(*ast.GenDecl)
	if !ok || gen.Tok != token.VAR {
		return fmt.Errorf("a declaration other than var")
	}
	for _, spec := range gen.Specs {
		vs := spec.(*ast.ValueSpec)
		for i, name := range vs.Names {
			var v any = int64(0)
			if vs.Type != nil && exprName(vs.Type) == "string" {
				v = ""
			}
			if i < len(vs.Values) {
				var err error
				if v, err = r.expr(vs.Values[i], env); err != nil {
					return err
				}
			} else if vs.Type == nil || !isNumberType(exprName(vs.Type)) && exprName(vs.Type) != "string" {
				return fmt.Errorf("var %s without a value or a number type", name.Name)
			}
			env[name.Name] = v
		}
	}
	return nil
}

func isNumberType(name string) bool {
	switch name {
	case "int", "int32", "int64", "float64":
		return true
	}
	return false
}

// assertion turns assert.Equal(t, want, got, ...) into a check, or nil when
// got is not a decision.
func (r *reader) assertion(call *ast.CallExpr, env map[string]any) (*Check, error) {
	if len(call.Args) < 3 {
		return nil, fmt.Errorf("assert.Equal with %d arguments", len(call.Args))
	}
	want, err := r.expr(call.Args[1], env)
	if err != nil {
		return nil, err
	}
	got, err := r.expr(call.Args[2], env)
	if err != nil {
		return nil, err
	}
	switch g := got.(type) {
	case elem:
		n, ok := want.(int64)
		if !ok {
			return nil, fmt.Errorf("an expected value %v that is not an integer", want)
		}
		what := "effective"
		if g.i == 1 {
			what = "scaleTo"
		}
		return &Check{Call: g.t.call, What: what, WantInt: n}, nil
	case typeOf:
		s, ok := want.(string)
		if !ok {
			return nil, fmt.Errorf("an expected type %v that is not a string", want)
		}
		return &Check{Call: Call{Kind: "strategy", Strategy: g.s, MaxScale: 1, MaxReplicas: 1, ScaleTo: 1},
			What: "type", WantType: s}, nil
	default:
		return nil, fmt.Errorf("assert.Equal on %s, not a decision", exprName(call.Args[2]))
	}
}

func (r *reader) expr(e ast.Expr, env map[string]any) (any, error) {
	switch x := e.(type) {
	case *ast.BasicLit:
		switch x.Kind {
		case token.INT:
			return strconv.ParseInt(x.Value, 0, 64)
		case token.FLOAT:
			return strconv.ParseFloat(x.Value, 64)
		case token.STRING:
			return strconv.Unquote(x.Value)
		}
		return nil, fmt.Errorf("a literal %s", x.Value)
	case *ast.Ident:
		switch x.Name {
		case "nil":
			return nil, nil
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		v, ok := env[x.Name]
		if !ok {
			return nil, fmt.Errorf("an unknown name %s", x.Name)
		}
		return v, nil
	case *ast.ParenExpr:
		return r.expr(x.X, env)
	case *ast.UnaryExpr:
		v, err := r.expr(x.X, env)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case token.AND:
			return pointer{v}, nil
		case token.SUB:
			switch n := v.(type) {
			case int64:
				return -n, nil
			case float64:
				return -n, nil
			}
		}
		return nil, fmt.Errorf("the operator %s on %v", x.Op, v)
	case *ast.CompositeLit:
		return r.composite(x, env)
	case *ast.SelectorExpr:
		return opaque{exprName(x)}, nil
	case *ast.CallExpr:
		return r.call(x, env)
	}
	return nil, fmt.Errorf("an expression %s", exprName(e))
}

func (r *reader) composite(x *ast.CompositeLit, env map[string]any) (any, error) {
	c := composite{typ: exprName(x.Type), fields: map[string]any{}}
	for _, elt := range x.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("a %s literal without field names", c.typ)
		}
		v, err := r.expr(kv.Value, env)
		if err != nil {
			return nil, err
		}
		c.fields[exprName(kv.Key)] = v
	}
	if c.typ == "customScalingStrategy" {
		s := Strategy{FromLiteral: true}
		for name, v := range c.fields {
			switch name {
			case "CustomScalingQueueLengthDeduction":
				if p, ok := v.(pointer); ok {
					n, ok := p.v.(int64)
					if !ok {
						return nil, fmt.Errorf("a deduction %v", p.v)
					}
					s.LitDeduction = &n
				}
			case "CustomScalingRunningJobPercentage":
				if p, ok := v.(pointer); ok {
					f, ok := toFloat(p.v)
					if !ok {
						return nil, fmt.Errorf("a percentage %v", p.v)
					}
					s.LitPercentage = &f
				}
			default:
				return nil, fmt.Errorf("a customScalingStrategy field %s", name)
			}
		}
		return s, nil
	}
	return c, nil
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func (r *reader) call(x *ast.CallExpr, env map[string]any) (any, error) {
	name := exprName(x.Fun)
	args := func() ([]any, error) {
		out := make([]any, len(x.Args))
		for i, a := range x.Args {
			v, err := r.expr(a, env)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	method := ""
	if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
		method = sel.Sel.Name
	}
	switch {
	case name == "int64" || name == "int32" || name == "int" || name == "float64":
		a, err := args()
		if err != nil {
			return nil, err
		}
		if len(a) != 1 {
			return nil, fmt.Errorf("%s with %d arguments", name, len(a))
		}
		f, ok := toFloat(a[0])
		if !ok {
			return nil, fmt.Errorf("%s(%v)", name, a[0])
		}
		if name == "float64" {
			return f, nil
		}
		return int64(f), nil
	case name == "NewScalingStrategy":
		a, err := args()
		if err != nil {
			return nil, err
		}
		spec, err := specOf(a[len(a)-1])
		if err != nil {
			return nil, err
		}
		return Strategy{Spec: spec}, nil
	case name == "maxScaleValue":
		a, err := args()
		if err != nil {
			return nil, err
		}
		t, ok := a[0].(*tuple)
		if len(a) != 1 || !ok {
			return nil, fmt.Errorf("maxScaleValue of something other than a call")
		}
		return elem{t, 0}, nil
	case name == "fmt.Sprintf":
		a, err := args()
		if err != nil {
			return nil, err
		}
		s, ok := a[1].(Strategy)
		if len(a) != 2 || a[0] != "%T" || !ok {
			return nil, fmt.Errorf("fmt.Sprintf other than %%T of a strategy")
		}
		return typeOf{s}, nil
	case method == "GetEffectiveMaxScale":
		recv, err := r.expr(x.Fun.(*ast.SelectorExpr).X, env)
		if err != nil {
			return nil, err
		}
		s, ok := recv.(Strategy)
		if !ok {
			return nil, fmt.Errorf("GetEffectiveMaxScale on %v", recv)
		}
		n, err := r.ints(x.Args, env)
		if err != nil {
			return nil, err
		}
		if len(n) != 5 {
			return nil, fmt.Errorf("GetEffectiveMaxScale with %d arguments", len(n))
		}
		return &tuple{Call{Kind: "strategy", Strategy: s, MaxScale: n[0], Running: n[1], Pending: n[2], MaxReplicas: n[3], ScaleTo: n[4]}}, nil
	case method == "getScalingDecision":
		if len(x.Args) < 5 {
			return nil, fmt.Errorf("getScalingDecision with %d arguments", len(x.Args))
		}
		sj, err := r.expr(x.Args[0], env)
		if err != nil {
			return nil, err
		}
		spec, err := specOf(sj)
		if err != nil {
			return nil, err
		}
		n, err := r.ints(x.Args[1:5], env)
		if err != nil {
			return nil, err
		}
		return &tuple{Call{Kind: "decision", ScaledJob: spec, Running: n[0], ScaleTo: n[1], MaxScale: n[2], Pending: n[3]}}, nil
	case name == "getMockScaleExecutor" || name == "logf.Log.WithName":
		return opaque{name}, nil
	case r.helpers[name] != nil:
		a, err := args()
		if err != nil {
			return nil, err
		}
		return r.helper(r.helpers[name], a)
	}
	return nil, fmt.Errorf("a call of %s", name)
}

func (r *reader) ints(exprs []ast.Expr, env map[string]any) ([]int64, error) {
	out := make([]int64, len(exprs))
	for i, e := range exprs {
		v, err := r.expr(e, env)
		if err != nil {
			return nil, err
		}
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("a non-integer argument %s", exprName(e))
		}
		out[i] = n
	}
	return out, nil
}

// helper evaluates one of the test file's ScaledJob helpers.
func (r *reader) helper(fn *ast.FuncDecl, args []any) (any, error) {
	env := map[string]any{}
	i := 0
	for _, field := range fn.Type.Params.List {
		for _, name := range field.Names {
			if i >= len(args) {
				return nil, fmt.Errorf("%s called with %d arguments", fn.Name.Name, len(args))
			}
			env[name.Name] = args[i]
			i++
		}
	}
	for _, stmt := range fn.Body.List {
		if ret, ok := stmt.(*ast.ReturnStmt); ok {
			if len(ret.Results) != 1 {
				return nil, fmt.Errorf("%s returns %d values", fn.Name.Name, len(ret.Results))
			}
			return r.expr(ret.Results[0], env)
		}
		if _, err := r.stmt(stmt, env); err != nil {
			return nil, fmt.Errorf("in %s: %v", fn.Name.Name, err)
		}
	}
	return nil, fmt.Errorf("%s returns nothing", fn.Name.Name)
}

// specOf reads the decision's fields from a &kedav1alpha1.ScaledJob{...}.
func specOf(v any) (Spec, error) {
	p, ok := v.(pointer)
	if !ok {
		return Spec{}, fmt.Errorf("a ScaledJob that is not a pointer to a literal")
	}
	sj, ok := p.v.(composite)
	if !ok || !strings.HasSuffix(sj.typ, "ScaledJob") {
		return Spec{}, fmt.Errorf("a ScaledJob that is not a literal")
	}
	var spec Spec
	specLit, _ := sj.fields["Spec"].(composite)
	for name, f := range specLit.fields {
		switch name {
		case "MinReplicaCount", "MaxReplicaCount":
			n, ok := derefInt(f)
			if !ok {
				return Spec{}, fmt.Errorf("%s %v", name, f)
			}
			if name == "MinReplicaCount" {
				spec.MinReplicas = &n
			} else {
				spec.MaxReplicas = &n
			}
		case "JobTargetRef", "SuccessfulJobsHistoryLimit", "FailedJobsHistoryLimit":
		case "ScalingStrategy":
			ss, _ := f.(composite)
			for sname, sf := range ss.fields {
				switch sname {
				case "Strategy":
					spec.Strategy, _ = sf.(string)
				case "CustomScalingQueueLengthDeduction":
					if n, ok := derefInt(sf); ok {
						spec.Deduction = &n
					}
				case "CustomScalingRunningJobPercentage":
					spec.Percentage, _ = sf.(string)
				default:
					spec.Unsupported = append(spec.Unsupported, "scalingStrategy."+sname)
				}
			}
		default:
			spec.Unsupported = append(spec.Unsupported, name)
		}
	}
	sort.Strings(spec.Unsupported)
	return spec, nil
}

func derefInt(v any) (int64, bool) {
	p, ok := v.(pointer)
	if !ok {
		return 0, false
	}
	n, ok := p.v.(int64)
	return n, ok
}

// exprName renders an expression briefly for names and messages.
func exprName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprName(x.X) + "." + x.Sel.Name
	case *ast.CallExpr:
		return exprName(x.Fun) + "(...)"
	case *ast.StarExpr:
		return "*" + exprName(x.X)
	case *ast.UnaryExpr:
		return x.Op.String() + exprName(x.X)
	case *ast.BasicLit:
		return x.Value
	case *ast.CompositeLit:
		return exprName(x.Type) + "{...}"
	case nil:
		return "nil"
	}
	return fmt.Sprintf("%T", e)
}
