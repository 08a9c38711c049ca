// Package wait holds the poll-until helper shared by the repository's tests; only
// _test.go files import it.
//
// Until synchronises a test with goroutines it cannot join directly
// (a node committing blocks, a transport finishing a handshake): it polls
// a condition until it holds and fails the test if a generous limit
// passes first. The limit turns a hang into a failure; it is not a timing
// assertion, so pick it well above what the slowest CI machine needs:
//
//	wait.Until(t, "height 5", 10*time.Second, func() bool {
//		return n.Height() >= 5
//	})
package wait
