//go:build unix

package host

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts the plugin in a process group of its own, so that
// a signal sent to the gateway's group (Ctrl-C in a terminal, SIGTERM from
// a process manager or from timeout) reaches only the gateway, which then
// stops its plugins in order instead of finding them already dead.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
