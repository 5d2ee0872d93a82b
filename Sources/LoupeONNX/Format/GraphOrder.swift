/// The structural checks of a graph and the order its nodes run in.
enum GraphOrder {
    /// `nodes` in an order where every node follows the producers of its inputs: the given
    /// order when it already is one, else Kahn's order (ready nodes in file order).
    ///
    /// - Parameters:
    ///   - available: the values no node produces (graph inputs and initializers).
    ///   - outputs: the graph's outputs, each of which must be available or produced.
    /// - Throws: `ONNXError` for a value produced twice (or produced and also available), a
    ///   node input that nothing provides (naming the node and the value), an unproduced graph
    ///   output, or a cycle (naming a node on it).
    static func sorted(_ nodes: [ONNXNode], available: Set<String>, outputs: [String], context: DecodingContext)
        throws(ONNXError) -> [ONNXNode]
    {
        var producer: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if available.contains(output) {
                    throw context.error("\(node.label) produces '\(output)', which is a graph input or an initializer")
                }
                if let other = producer.updateValue(index, forKey: output) {
                    throw context.error(
                        "value '\(output)' is produced twice, by \(nodes[other].label) and \(node.label)")
                }
            }
        }
        // The producers each node waits for, in input order (repeats kept).
        var producers: [[Int]] = []
        producers.reserveCapacity(nodes.count)
        var inFileOrder = true
        for (index, node) in nodes.enumerated() {
            var waits: [Int] = []
            for input in node.inputs where !input.isEmpty && !available.contains(input) {
                guard let source = producer[input] else {
                    throw context.error(
                        "\(node.label) reads '\(input)', which is no graph input, initializer or node output")
                }
                waits.append(source)
                if source >= index { inFileOrder = false }
            }
            producers.append(waits)
        }
        for output in outputs where !available.contains(output) && producer[output] == nil {
            throw context.error("graph output '\(output)' is produced by no node")
        }
        if inFileOrder { return nodes }

        var waiting = producers.map(\.count)
        var consumers = [[Int]](repeating: [], count: nodes.count)
        for (index, waits) in producers.enumerated() {
            for source in waits { consumers[source].append(index) }
        }
        var order = waiting.indices.filter { waiting[$0] == 0 }
        var next = 0
        while next < order.count {
            for consumer in consumers[order[next]] {
                waiting[consumer] -= 1
                if waiting[consumer] == 0 { order.append(consumer) }
            }
            next += 1
        }
        guard order.count == nodes.count else {
            // Every node left waits for one left: walking back through those must repeat a node,
            // and the first one repeated is on a cycle.
            var seen: Set<Int> = []
            var node = waiting.firstIndex { $0 > 0 }!
            while seen.insert(node).inserted {
                node = producers[node].first { waiting[$0] > 0 }!
            }
            throw context.error("the graph has a cycle through \(nodes[node].label)")
        }
        return order.map { nodes[$0] }
    }
}
