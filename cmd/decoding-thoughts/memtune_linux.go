package main

import "syscall"

const canReexec = true

func reexec(exe string, args, env []string) error { return syscall.Exec(exe, args, env) }
