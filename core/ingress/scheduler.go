package ingress

import (
	"context"
	"time"

	"github.com/supplyhub/supplyhub/core/store"
)

// runScheduler queues an incremental sync of every stream of each active
// connection whose last sync started more than cfg.Schedule ago. Only the
// instance holding the "scheduler" lock schedules.
func (in *Ingress) runScheduler(ctx context.Context) {
	tick := min(in.cfg.Schedule/4, time.Minute)
	var unlock func()
	defer func() {
		if unlock != nil {
			unlock()
		}
	}()
	for ctx.Err() == nil {
		if unlock == nil {
			u, ok, err := in.store.TryLock(ctx, "scheduler")
			if err != nil {
				in.log.Warn("scheduler lock", "err", err)
			}
			if ok {
				unlock = u
				in.log.Info("this instance schedules incremental syncs", "every", in.cfg.Schedule)
			}
		}
		if unlock != nil {
			if err := in.scheduleOnce(ctx, time.Now(), in.cfg.Schedule); err != nil && ctx.Err() == nil {
				in.log.Warn("schedule syncs", "err", err)
			}
		}
		sleep(ctx, tick, nil)
	}
}

// scheduleOnce queues the syncs that are due at now, every being the
// interval.
func (in *Ingress) scheduleOnce(ctx context.Context, now time.Time, every time.Duration) error {
	conns, err := in.store.ListConnections(ctx)
	if err != nil {
		return err
	}
	for _, c := range conns {
		if c.Status != StatusActive {
			continue
		}
		jobs, _, err := in.store.ListSyncJobs(ctx, store.SyncQuery{Connection: c.ID, Limit: 20})
		if err != nil {
			return err
		}
		due := true
		for _, j := range jobs {
			if len(j.IDs) > 0 {
				continue // targeted re-reads do not reconcile the whole stream
			}
			if j.State == store.SyncQueued || j.State == store.SyncRunning || now.Sub(j.CreatedAt) < every {
				due = false
			}
			break
		}
		if !due {
			continue
		}
		cn, err := in.conns.get(ctx, c.ID)
		if err != nil || cn.plugin.Source == nil {
			continue
		}
		if _, err := in.StartSync(ctx, c.ID, SyncRequest{}, "schedule"); err != nil {
			in.log.Warn("schedule sync", "connection", c.ID, "err", err)
		}
	}
	return nil
}
