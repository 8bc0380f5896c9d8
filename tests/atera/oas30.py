# oas30.py: the subset of OpenAPI 3.0's schema object that Atera's document uses, as a
# validator with no dependency beyond Python's standard library (CI installs only Debian
# packages, and Debian packages no OpenAPI validator).
#
# Keywords checked: type (with nullable), $ref (to #/components/...), properties,
# additionalProperties (false or a schema), items, enum, required. Keywords that constrain
# nothing an answer carries are ignored: format (OAS marks it informative), readOnly,
# description, deprecated, example. Each error carries what a caller sorts by: instance,
# schema, validator (the failing keyword), message, absolute_path.
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


class Error:
    def __init__(self, validator, message, instance, schema, path):
        self.validator, self.message = validator, message
        self.instance, self.schema = instance, schema
        self.absolute_path = list(path)


class Validator:
    """Validates against `schema`, resolving $ref in `root` (the whole document)."""

    def __init__(self, schema, root):
        self.schema, self.root = schema, root

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local $ref is supported: %s" % ref)
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def iter_errors(self, instance):
        yield from self._check(instance, self.schema, [])

    def _check(self, v, s, path):
        while "$ref" in s:
            s = self.resolve(s["$ref"])
        if v is None:
            if s.get("nullable") or "type" not in s:
                return
            yield Error("type", "None is not of type %r" % s["type"], v, s, path)
            return
        t = s.get("type")
        if t and not TYPES[t](v):
            yield Error("type", "%r is not of type %r" % (v, t), v, s, path)
            return
        if "enum" in s and v not in s["enum"]:
            yield Error("enum", "%r is not one of %r" % (v, s["enum"]), v, s, path)
        if isinstance(v, dict):
            yield from self._object(v, s, path)
        elif isinstance(v, list) and "items" in s:
            for i, item in enumerate(v):
                yield from self._check(item, s["items"], path + [i])

    def _object(self, v, s, path):
        props = s.get("properties", {})
        for name in s.get("required", []):
            if name not in v:
                yield Error("required", "%r is a required property" % name, v, s, path)
        extra = [k for k in v if k not in props]
        more = s.get("additionalProperties", True)
        if extra and more is False:
            listed = ", ".join(repr(k) for k in sorted(extra))
            verb = "was" if len(extra) == 1 else "were"
            yield Error("additionalProperties",
                        "Additional properties are not allowed (%s %s unexpected)" % (listed, verb),
                        v, s, path)
        for k, item in v.items():
            if k in props:
                yield from self._check(item, props[k], path + [k])
            elif isinstance(more, dict):
                yield from self._check(item, more, path + [k])

