package main

import "syscall"

const canReexec = true

func reexec(exe string, args, env []string) error { return syscall.Exec(exe, args, env) }

// taskAttr puts a task of study --jobs in its own process group and has
// the kernel send it SIGTERM if this process dies first.
func taskAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
