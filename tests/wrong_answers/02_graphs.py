"""Plausible wrong answers for 02-graphs; each must fail its exercise's test cell."""

WRONG_ANSWERS = {
    "count_ops": [
        # compares op names ("mul", "mul_1") instead of op types
        "def count_ops(fn, example, op_type):\n"
        "    concrete = tf.function(fn).get_concrete_function(example)\n"
        "    return sum(op.name == op_type for op in concrete.graph.get_operations())\n",
        # counts every op, ignoring the type
        "def count_ops(fn, example, op_type):\n"
        "    return len(tf.function(fn).get_concrete_function(example).graph.get_operations())\n",
        # case-insensitive substring match ("Mul" also matches "MatMul")
        "def count_ops(fn, example, op_type):\n"
        "    concrete = tf.function(fn).get_concrete_function(example)\n"
        "    return sum(op_type.lower() in op.type.lower() for op in concrete.graph.get_operations())\n",
    ],
    "trace_counts": [
        # every new tensor value traces again (the values go into the signature)
        "def trace_counts(calls, signature=None):\n"
        "    seen, counts = set(), []\n"
        "    for call in calls:\n"
        "        seen.add(tuple(call))\n"
        "        counts.append(len(seen))\n"
        "    return counts\n",
        # Python values are not part of the signature
        "def trace_counts(calls, signature=None):\n"
        "    if signature is not None:\n"
        "        return [1] * len(calls)\n"
        "    seen, counts = set(), []\n"
        "    for call in calls:\n"
        "        seen.add(tuple((a[1], tuple(a[2])) if a[0] == 'tensor' else 'python' for a in call))\n"
        "        counts.append(len(seen))\n"
        "    return counts\n",
        # only the shape matters, not the dtype
        "def trace_counts(calls, signature=None):\n"
        "    if signature is not None:\n"
        "        return [1] * len(calls)\n"
        "    seen, counts = set(), []\n"
        "    for call in calls:\n"
        "        seen.add(tuple(tuple(a[2]) if a[0] == 'tensor' else a[1] for a in call))\n"
        "        counts.append(len(seen))\n"
        "    return counts\n",
        # no cache: traces whenever the signature differs from the previous call's
        "def trace_counts(calls, signature=None):\n"
        "    if signature is not None:\n"
        "        return [1] * len(calls)\n"
        "    previous, total, counts = None, 0, []\n"
        "    for call in calls:\n"
        "        key = tuple((a[1], tuple(a[2])) if a[0] == 'tensor' else a[1] for a in call)\n"
        "        total += key != previous\n"
        "        previous = key\n"
        "        counts.append(total)\n"
        "    return counts\n",
        # ignores input_signature: a new length still traces again
        "def trace_counts(calls, signature=None):\n"
        "    seen, counts = set(), []\n"
        "    for call in calls:\n"
        "        seen.add(tuple((a[1], tuple(a[2])) if a[0] == 'tensor' else a[1] for a in call))\n"
        "        counts.append(len(seen))\n"
        "    return counts\n",
        # right values, breaks the rule: runs TensorFlow instead of predicting
        "def trace_counts(calls, signature=None):\n"
        "    count, after = [0], []\n"
        "    def body(*args):\n"
        "        count[0] += 1\n"
        "    specs = None if signature is None else [tf.TensorSpec(s, d) for d, s in signature]\n"
        "    fn = tf.function(body, input_signature=specs)\n"
        "    for call in calls:\n"
        "        fn(*[tf.fill(a[2], tf.constant(a[3], dtype=a[1])) if a[0] == 'tensor' else a[1]\n"
        "             for a in call])\n"
        "        after.append(count[0])\n"
        "    return after\n",
    ],
    "topological_order": [
        # pre-order: a node before its parents
        "def topological_order(output):\n"
        "    result, visited = [], set()\n"
        "    def visit(t):\n"
        "        if id(t) in visited:\n"
        "            return\n"
        "        visited.add(id(t))\n"
        "        result.append(t.op or 'leaf')\n"
        "        for parent in t.parents:\n"
        "            visit(parent)\n"
        "    visit(output)\n"
        "    return result\n",
        # no visited set: shared tensors appear several times
        "def topological_order(output):\n"
        "    result = []\n"
        "    def visit(t):\n"
        "        for parent in t.parents:\n"
        "            visit(parent)\n"
        "        result.append(t.op or 'leaf')\n"
        "    visit(output)\n"
        "    return result\n",
        # parents in reverse order
        "def topological_order(output):\n"
        "    result, visited = [], set()\n"
        "    def visit(t):\n"
        "        if id(t) in visited:\n"
        "            return\n"
        "        visited.add(id(t))\n"
        "        for parent in reversed(t.parents):\n"
        "            visit(parent)\n"
        "        result.append(t.op or 'leaf')\n"
        "    visit(output)\n"
        "    return result\n",
        # breadth-first from the output, then reversed
        "def topological_order(output):\n"
        "    order, seen, queue = [], set(), [output]\n"
        "    while queue:\n"
        "        t = queue.pop(0)\n"
        "        if id(t) in seen:\n"
        "            continue\n"
        "        seen.add(id(t))\n"
        "        order.append(t.op or 'leaf')\n"
        "        queue.extend(t.parents)\n"
        "    return order[::-1]\n",
        # right values, breaks the rule: asks tinygrad_ref for its own order
        "def topological_order(output):\n"
        "    return [node.label for node in tg.nodes(output)]\n",
    ],
    "count_grad_fns": [
        # counts paths, not nodes (no visited set)
        "def count_grad_fns(y):\n"
        "    counts, stack = {}, [y.grad_fn]\n"
        "    while stack:\n"
        "        node = stack.pop()\n"
        "        if node is None:\n"
        "            continue\n"
        "        counts[type(node).__name__] = counts.get(type(node).__name__, 0) + 1\n"
        "        stack.extend(p for p, _ in node.next_functions)\n"
        "    return counts\n",
        # leaves out the AccumulateGrad nodes of the leaves
        "def count_grad_fns(y):\n"
        "    seen, stack, counts = set(), [y.grad_fn], {}\n"
        "    while stack:\n"
        "        node = stack.pop()\n"
        "        if node is None or node in seen or type(node).__name__ == 'AccumulateGrad':\n"
        "            continue\n"
        "        seen.add(node)\n"
        "        counts[type(node).__name__] = counts.get(type(node).__name__, 0) + 1\n"
        "        stack.extend(p for p, _ in node.next_functions)\n"
        "    return counts\n",
        # follows only the first input of every node
        "def count_grad_fns(y):\n"
        "    counts, node = {}, y.grad_fn\n"
        "    while node is not None:\n"
        "        counts[type(node).__name__] = counts.get(type(node).__name__, 0) + 1\n"
        "        node = node.next_functions[0][0] if node.next_functions else None\n"
        "    return counts\n",
    ],
    "collatz_steps": [
        # counts the starting number as a step
        "def collatz_steps(n):\n"
        "    steps = tf.constant(1)\n"
        "    while n != 1:\n"
        "        n = tf.where(n % 2 == 0, n // 2, 3 * n + 1)\n"
        "        steps += 1\n"
        "    return steps\n",
        # right values when run eagerly, but Python ints: cannot be traced into a While op
        "def collatz_steps(n):\n"
        "    n, steps = int(n), 0\n"
        "    while n != 1:\n"
        "        n = n // 2 if n % 2 == 0 else 3 * n + 1\n"
        "        steps += 1\n"
        "    return tf.constant(steps)\n",
        # float64 counter
        "def collatz_steps(n):\n"
        "    steps = tf.constant(0.0, tf.float64)\n"
        "    while n != 1:\n"
        "        n = tf.where(n % 2 == 0, n // 2, 3 * n + 1)\n"
        "        steps += 1.0\n"
        "    return steps\n",
        # stops at 2 instead of 1
        "def collatz_steps(n):\n"
        "    steps = tf.constant(0)\n"
        "    while n > 2:\n"
        "        n = tf.where(n % 2 == 0, n // 2, 3 * n + 1)\n"
        "        steps += 1\n"
        "    return steps\n",
        # right values and a While op, breaks the rule: writes tf.while_loop by hand
        "def collatz_steps(n):\n"
        "    def body(n, steps):\n"
        "        return tf.where(n % 2 == 0, n // 2, 3 * n + 1), steps + 1\n"
        "    return tf.while_loop(lambda n, steps: n != 1, body, (n, tf.constant(0)))[1]\n",
    ],
}
