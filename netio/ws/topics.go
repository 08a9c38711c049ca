package ws

// Topics, in a fixed order: a topic's index is its bit in a subscription mask.
const (
	TopicNewBlocks       = "new_blocks"
	TopicNewTransactions = "new_transactions"
	TopicConsensusEvents = "consensus_events"
)

var topicNames = [...]string{TopicNewBlocks, TopicNewTransactions, TopicConsensusEvents}

const numTopics = len(topicNames)

// blocksTopic is new_blocks' index: the topic the block feed serves.
const blocksTopic = 0

// topicMask is a set of topics: bit i is topicNames[i].
type topicMask uint8

func topicIndex(name string) (int, bool) {
	for i, t := range topicNames {
		if t == name {
			return i, true
		}
	}
	return 0, false
}
