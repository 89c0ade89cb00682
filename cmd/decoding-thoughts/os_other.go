//go:build !linux

package main

import "syscall"

const canReexec = false

func reexec(string, []string, []string) error { return nil }

func taskAttr() *syscall.SysProcAttr { return nil }
