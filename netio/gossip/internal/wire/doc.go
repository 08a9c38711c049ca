// Package wire is what the gossip frame codec (netio/gossip) and the Noise
// layer's identity codec (netio/gossip/noise) share: the frame's length
// prefix, the two classes of decoding error, and the field-by-field
// payload reader both decoders are written with. Each layer reports the
// errors in its own type (its Fault builds them for the Reader); the
// sentinels are re-exported by both, so errors.Is works whichever layer
// found the fault.
//
// A decoder makes a Reader with NewReader(payload, its Fault), reads the
// fields in order (U16, U32, U64, Fixed, Take, Bytes32: each is
// bounds-checked, and the first failure is kept, named by its field, the
// later reads then doing nothing), and ends with Finish, which also
// refuses trailing bytes and returns that first fault. Internal: only the two
// gossip packages may import it.
package wire
