package harness

// This file: the cluster KEDA's executor sees, an in-memory
// controller-runtime client holding one state's Jobs and pods. It answers
// the calls the ScaledJob path makes (List of Jobs and of a Job's pods,
// Create of a Job, status writes, deletes of finished Jobs); any other call
// reaches the nil embedded client and panics, which the harness reports.

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Namespace and ScaledJobName are where the state's Jobs live.
const (
	Namespace     = "prompt-processing"
	ScaledJobName = "prompt-keda-lsstcam"
)

// Cluster is one state's Jobs and pods, and the Jobs KEDA created.
type Cluster struct {
	client.Client
	jobs      []batchv1.Job
	podsOfJob map[string][]corev1.Pod
	// Created counts the Jobs KEDA asked to create.
	Created int
}

// NewCluster lays out the state: P unfinished Jobs without a pod, R - P
// with a Running pod, and the finished ones with a Succeeded pod.
func NewCluster(s State) *Cluster {
	c := &Cluster{podsOfJob: map[string][]corev1.Pod{}}
	labels := map[string]string{"scaledjob.keda.sh/name": ScaledJobName}
	add := func(i int, finished bool, phase corev1.PodPhase) {
		name := fmt.Sprintf("%s-%d", ScaledJobName, i)
		job := batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: labels}}
		if finished {
			job.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
		}
		c.jobs = append(c.jobs, job)
		if phase != "" {
			pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name + "-pod", Namespace: Namespace,
				Labels: map[string]string{"job-name": name}}}
			pod.Status.Phase = phase
			c.podsOfJob[name] = append(c.podsOfJob[name], pod)
		}
	}
	i := 0
	for ; i < int(s.Pending); i++ {
		add(i, false, "")
	}
	for ; i < int(s.Running); i++ {
		add(i, false, corev1.PodRunning)
	}
	for n := 0; n < int(s.Finished); n++ {
		add(i+n, true, corev1.PodSucceeded)
	}
	return c
}

// List returns the Jobs, or the pods of the Job named by the `job-name` label.
func (c *Cluster) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	o := &client.ListOptions{}
	o.ApplyOptions(opts)
	switch l := list.(type) {
	case *batchv1.JobList:
		l.Items = append([]batchv1.Job(nil), c.jobs...)
	case *corev1.PodList:
		name, ok := "", false
		if o.LabelSelector != nil {
			name, ok = o.LabelSelector.RequiresExactMatch("job-name")
		}
		if !ok {
			return fmt.Errorf("harness: pod list without a job-name label")
		}
		l.Items = append([]corev1.Pod(nil), c.podsOfJob[name]...)
	default:
		return fmt.Errorf("harness: unexpected List of %T", list)
	}
	return nil
}

// Create counts the Jobs KEDA creates.
func (c *Cluster) Create(_ context.Context, obj client.Object, _ ...client.CreateOption) error {
	if _, ok := obj.(*batchv1.Job); !ok {
		return fmt.Errorf("harness: unexpected Create of %T", obj)
	}
	c.Created++
	return nil
}

// Delete accepts the history cleanup's deletes.
func (c *Cluster) Delete(context.Context, client.Object, ...client.DeleteOption) error {
	return nil
}

// Patch and Update accept writes to the ScaledJob.
func (c *Cluster) Patch(context.Context, client.Object, client.Patch, ...client.PatchOption) error {
	return nil
}

// Update accepts writes to the ScaledJob.
func (c *Cluster) Update(context.Context, client.Object, ...client.UpdateOption) error {
	return nil
}

// Status accepts status writes to the ScaledJob.
func (c *Cluster) Status() client.SubResourceWriter {
	return statusWriter{}
}

type statusWriter struct{ client.SubResourceWriter }

func (statusWriter) Patch(context.Context, client.Object, client.Patch, ...client.SubResourcePatchOption) error {
	return nil
}

func (statusWriter) Update(context.Context, client.Object, ...client.SubResourceUpdateOption) error {
	return nil
}
