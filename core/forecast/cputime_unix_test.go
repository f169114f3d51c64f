//go:build unix

package forecast_test

import (
	"syscall"
	"time"
)

// cpuTime is the user+system CPU time of this process so far, so that a
// benchmark can report work done independently of other load on the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
