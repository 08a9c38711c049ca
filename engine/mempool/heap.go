package mempool

// heap is a binary min-heap under less; moved, if set, is told every
// element's new index so elements can be removed or fixed in place.
type heap[T any] struct {
	items []T
	less  func(a, b T) bool
	moved func(x T, i int)
}

func (h *heap[T]) len() int { return len(h.items) }

func (h *heap[T]) set(i int, x T) {
	h.items[i] = x
	if h.moved != nil {
		h.moved(x, i)
	}
}

func (h *heap[T]) push(x T) {
	h.items = append(h.items, x)
	h.set(len(h.items)-1, x)
	h.up(len(h.items) - 1)
}

func (h *heap[T]) peek() T { return h.items[0] }

func (h *heap[T]) pop() T { return h.remove(0) }

// remove takes out the element at index i.
func (h *heap[T]) remove(i int) T {
	x := h.items[i]
	last := len(h.items) - 1
	if i != last {
		h.set(i, h.items[last])
	}
	var zero T
	h.items[last] = zero
	h.items = h.items[:last]
	if i != last {
		h.fix(i)
	}
	if h.moved != nil {
		h.moved(x, -1)
	}
	return x
}

// fix restores the order after the element at i changed.
func (h *heap[T]) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *heap[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.items[i], h.items[p]) {
			return
		}
		a, b := h.items[p], h.items[i]
		h.set(i, a)
		h.set(p, b)
		i = p
	}
}

func (h *heap[T]) down(i int) bool {
	start := i
	n := len(h.items)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h.less(h.items[r], h.items[c]) {
			c = r
		}
		if !h.less(h.items[c], h.items[i]) {
			break
		}
		a, b := h.items[c], h.items[i]
		h.set(i, a)
		h.set(c, b)
		i = c
	}
	return i > start
}

// init heapifies items in place.
func (h *heap[T]) init() {
	for i := range h.items {
		h.set(i, h.items[i])
	}
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}
