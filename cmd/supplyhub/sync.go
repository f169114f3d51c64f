package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

func init() { register(newSyncCmd) }

// syncJob is the API's view of a sync job.
type syncJob struct {
	ID               string                    `json:"id"`
	Connection       string                    `json:"connection"`
	Streams          []string                  `json:"streams"`
	Mode             string                    `json:"mode"`
	Trigger          string                    `json:"trigger"`
	State            string                    `json:"state"`
	CancelRequested  bool                      `json:"cancel_requested"`
	Progress         map[string]streamProgress `json:"progress"`
	Attempts         int                       `json:"attempts"`
	Error            string                    `json:"error"`
	CreatedAt        time.Time                 `json:"created_at"`
	StartedAt        *time.Time                `json:"started_at"`
	FinishedAt       *time.Time                `json:"finished_at"`
	ETASeconds       *float64                  `json:"eta_seconds"`
	RecordsPerSecond float64                   `json:"records_per_second"`
}

type streamProgress struct {
	RecordsRead     int64  `json:"records_read"`
	RecordsWritten  int64  `json:"records_written"`
	RecordsChanged  int64  `json:"records_changed"`
	Rejected        int64  `json:"rejected"`
	Pages           int64  `json:"pages"`
	Total           int64  `json:"total"`
	RateLimitWaitMS int64  `json:"rate_limit_wait_ms"`
	Done            bool   `json:"done"`
	Message         string `json:"message"`
}

func (j *syncJob) ended() bool {
	return j.State == "succeeded" || j.State == "failed" || j.State == "cancelled"
}

// renderProgress draws one line per stream: a bar when the upstream gave a
// total, counts otherwise.
func renderProgress(j *syncJob, width int) []string {
	var lines []string
	streams := append([]string(nil), j.Streams...)
	sort.Strings(streams)
	for _, s := range streams {
		p := j.Progress[s]
		var bar string
		switch {
		case p.Done:
			bar = "[" + strings.Repeat("#", width) + "] done"
		case p.Total > 0:
			frac := min(float64(p.RecordsRead)/float64(p.Total), 1)
			n := int(frac * float64(width))
			bar = fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("#", n), strings.Repeat("-", width-n), frac*100)
		default:
			bar = "[" + strings.Repeat(".", width) + "]     "
		}
		line := fmt.Sprintf("%-12s %s %d read, %d written (%d changed), %d pages", s, bar, p.RecordsRead, p.RecordsWritten, p.RecordsChanged, p.Pages)
		if p.Total > 0 {
			line += fmt.Sprintf(" of %d", p.Total)
		}
		if p.RateLimitWaitMS > 0 {
			line += fmt.Sprintf(", %.1fs rate-limit waits", float64(p.RateLimitWaitMS)/1000)
		}
		if p.Rejected > 0 {
			line += fmt.Sprintf(", %d rejected", p.Rejected)
		}
		if p.Message != "" && !p.Done {
			line += " — " + p.Message
		}
		lines = append(lines, line)
	}
	status := fmt.Sprintf("job %s %s (%s, attempt %d)", j.ID, j.State, j.Mode, j.Attempts)
	if j.CancelRequested {
		status += " cancelling"
	}
	if j.RecordsPerSecond > 0 {
		status += fmt.Sprintf(", %.0f records/s", j.RecordsPerSecond)
	}
	if j.ETASeconds != nil {
		status += fmt.Sprintf(", ETA %s", (time.Duration(*j.ETASeconds) * time.Second).Round(time.Second))
	}
	if j.Error != "" {
		status += ": " + j.Error
	}
	return append([]string{status}, lines...)
}

// isTerminal reports whether w is a terminal, to redraw in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newSyncCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Start, watch and cancel pull syncs on a running gateway",
	}
	cmd.AddCommand(newSyncStartCmd(), newSyncStatusCmd(), newSyncWatchCmd(), newSyncCancelCmd(), newSyncListCmd())
	return cmd
}

// watchJob follows a job's Server-Sent Events, drawing progress on w, and
// returns the final job.
func watchJob(cmd *cobra.Command, c *apiClient, id string) (*syncJob, error) {
	w := cmd.ErrOrStderr()
	tty := isTerminal(w)
	drawn := 0
	var last syncJob
	err := c.events(cmd.Context(), "/v1/syncs/"+id+"/events", func(event string, data []byte) bool {
		if err := json.Unmarshal(data, &last); err != nil {
			return true
		}
		lines := renderProgress(&last, 30)
		if tty && drawn > 0 {
			fmt.Fprintf(w, "\033[%dA", drawn)
		}
		for _, l := range lines {
			if tty {
				fmt.Fprint(w, "\033[2K")
			}
			fmt.Fprintln(w, l)
		}
		drawn = len(lines)
		return event != "done"
	})
	if err != nil {
		return nil, err
	}
	if !last.ended() {
		return &last, fmt.Errorf("the event stream ended before job %s did (state %s)", id, last.State)
	}
	return &last, nil
}

func jobResult(j *syncJob) error {
	switch j.State {
	case "succeeded":
		return nil
	case "cancelled":
		return &exitError{code: 3, err: fmt.Errorf("sync job %s was cancelled", j.ID)}
	}
	return fmt.Errorf("sync job %s %s: %s", j.ID, j.State, j.Error)
}

func newSyncStartCmd() *cobra.Command {
	var sf serverFlags
	var streams []string
	var mode string
	var ids []string
	var watch bool
	cmd := &cobra.Command{
		Use:   "start CONNECTION",
		Short: "Queue a sync of a connection's streams (all by default) and, with --watch, follow it",
		Example: `  supplyhub sync start shop-eu --watch
  supplyhub sync start shop-eu --stream orders --mode full
  supplyhub sync start amazon-eu --stream orders --id 111-2222222-3333333`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			body := map[string]any{"mode": mode}
			if len(streams) > 0 {
				body["streams"] = streams
			}
			if len(ids) > 0 {
				body["ids"] = ids
			}
			var j syncJob
			raw, err := c.do(cmd.Context(), "POST", "/v1/connections/"+args[0]+"/syncs", body, &j)
			if err != nil {
				return err
			}
			if !watch {
				if sf.json {
					return printJSON(cmd.OutOrStdout(), raw)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\n", j.ID)
				fmt.Fprintf(cmd.ErrOrStderr(), "queued sync job %s of %s (%s, streams %s); follow it with: supplyhub sync watch %s\n", j.ID, j.Connection, j.Mode, strings.Join(j.Streams, ", "), j.ID)
				return nil
			}
			final, err := watchJob(cmd, c, j.ID)
			if err != nil {
				return err
			}
			return jobResult(final)
		},
	}
	sf.register(cmd)
	cmd.Flags().StringSliceVar(&streams, "stream", nil, "streams to read (repeat or comma-separate; default all)")
	cmd.Flags().StringVar(&mode, "mode", "incremental", "incremental or full")
	cmd.Flags().StringSliceVar(&ids, "id", nil, "read only these upstream ids (a targeted re-read)")
	cmd.Flags().BoolVar(&watch, "watch", false, "follow the job with a progress display until it ends")
	return cmd
}

func newSyncStatusCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "status JOB",
		Short: "Show a sync job's state, progress per stream, rate-limit waits and ETA",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			var j syncJob
			raw, err := c.do(cmd.Context(), "GET", "/v1/syncs/"+args[0], nil, &j)
			if err != nil {
				return err
			}
			if sf.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			for _, l := range renderProgress(&j, 30) {
				fmt.Fprintln(cmd.OutOrStdout(), l)
			}
			return nil
		},
	}
	sf.register(cmd)
	return cmd
}

func newSyncWatchCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "watch JOB",
		Short: "Follow a sync job with a progress display until it ends; exits non-zero if it fails",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			final, err := watchJob(cmd, c, args[0])
			if err != nil {
				return err
			}
			return jobResult(final)
		},
	}
	sf.register(cmd)
	return cmd
}

func newSyncCancelCmd() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "cancel JOB",
		Short: "Cancel a sync job (a running one stops at its next checkpoint, keeping what it committed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			var j syncJob
			if _, err := c.do(cmd.Context(), "POST", "/v1/syncs/"+args[0]+"/cancel", nil, &j); err != nil {
				return err
			}
			if j.State == "cancelled" {
				fmt.Fprintf(cmd.ErrOrStderr(), "cancelled sync job %s\n", j.ID)
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "sync job %s will stop at its next checkpoint\n", j.ID)
			}
			return nil
		},
	}
	sf.register(cmd)
	return cmd
}

func newSyncListCmd() *cobra.Command {
	var sf serverFlags
	var connection, state string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List recent sync jobs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := sf.client()
			if err != nil {
				return err
			}
			q := "/v1/syncs?limit=50"
			if connection != "" {
				q += "&connection=" + connection
			}
			if state != "" {
				q += "&state=" + state
			}
			var out struct{ Items []syncJob }
			raw, err := c.do(cmd.Context(), "GET", q, nil, &out)
			if err != nil {
				return err
			}
			if sf.json {
				return printJSON(cmd.OutOrStdout(), raw)
			}
			for _, j := range out.Items {
				var read int64
				for _, p := range j.Progress {
					read += p.RecordsRead
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%-6s %-10s %-12s %-11s %-8s %8d records  %s\n", j.ID, j.State, j.Connection, j.Mode, j.Trigger, read, j.CreatedAt.Format(time.RFC3339))
			}
			return nil
		},
	}
	sf.register(cmd)
	cmd.Flags().StringVar(&connection, "connection", "", "only this connection")
	cmd.Flags().StringVar(&state, "state", "", "only this state: queued, running, succeeded, failed, cancelled")
	return cmd
}
