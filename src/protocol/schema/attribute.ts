import type { AttributeDef, AttributeType } from './types.js';

// A compact builder for RFC 7643 attribute definitions: RFC defaults first, the exceptions spelled out per attribute.
type Options = Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>>;

export function attr(name: string, type: AttributeType, description: string, options: Options = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...(type === 'reference' ? { referenceTypes: ['external'] } : {}),
    ...options,
  };
}

export function complex(name: string, description: string, subAttributes: AttributeDef[], options: Options = {}): AttributeDef {
  return attr(name, 'complex', description, { subAttributes, ...options });
}

/** The usual shape of a multi-valued attribute: value, display, type and primary (RFC 7643 section 2.4). */
export function multiValued(
  name: string,
  description: string,
  types: string[],
  valueOptions: Options & { valueType?: AttributeType } = {},
  options: Options = {},
): AttributeDef {
  const { valueType = 'string', ...valueRest } = valueOptions;
  return complex(
    name,
    description,
    [
      attr('value', valueType, `The value of the ${name} item.`, valueRest),
      attr('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attr('type', 'string', `A label indicating the function of the ${name} item.`, types.length ? { canonicalValues: types } : {}),
      attr('primary', 'boolean', `Whether this is the primary ${name} item; true for at most one.`),
    ],
    { multiValued: true, ...options },
  );
}
