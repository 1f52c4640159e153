using System.Reflection;
using System.Reflection.Emit;

namespace Fastsocket.Tests.Architecture;

/// <summary>
/// Every type one type refers to: base type, interfaces, generic arguments and constraints, fields, properties,
/// events, method and constructor signatures, and the types, methods and fields named by the IL of its method bodies
/// (read from the metadata tokens of the instructions), so that a local variable or a call counts as well.
/// </summary>
internal static class TypeReferences
{
    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static |
                                          BindingFlags.Public | BindingFlags.NonPublic;

    private static readonly OpCode[] OneByteOpCodes = new OpCode[256];
    private static readonly OpCode[] TwoByteOpCodes = new OpCode[256];

    static TypeReferences()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var opCode = (OpCode)field.GetValue(null)!;
            var value = (ushort)opCode.Value;
            if (opCode.Size == 1)
            {
                OneByteOpCodes[value] = opCode;
            }
            else
            {
                TwoByteOpCodes[value & 0xff] = opCode;
            }
        }
    }

    /// <summary>The referenced types, each with where the reference was found (for the failure message).</summary>
    public static IEnumerable<(Type Type, string Where)> Of(Type type)
    {
        var found = new List<(Type, string)>();
        void Add(Type? t, string where)
        {
            foreach (Type leaf in Expand(t))
            {
                found.Add((leaf, where));
            }
        }

        Add(type.BaseType, "base type");
        foreach (Type i in type.GetInterfaces())
        {
            Add(i, "interface");
        }
        foreach (Type g in type.IsGenericTypeDefinition ? type.GetGenericArguments() : [])
        {
            foreach (Type c in g.GetGenericParameterConstraints())
            {
                Add(c, "generic constraint");
            }
        }
        foreach (FieldInfo f in type.GetFields(Declared))
        {
            Add(f.FieldType, $"field {f.Name}");
        }
        foreach (PropertyInfo p in type.GetProperties(Declared))
        {
            Add(p.PropertyType, $"property {p.Name}");
        }
        foreach (EventInfo e in type.GetEvents(Declared))
        {
            Add(e.EventHandlerType, $"event {e.Name}");
        }
        foreach (MethodBase m in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (m is MethodInfo mi)
            {
                Add(mi.ReturnType, $"return of {m.Name}");
                foreach (Type g in mi.IsGenericMethodDefinition ? mi.GetGenericArguments() : [])
                {
                    foreach (Type c in g.GetGenericParameterConstraints())
                    {
                        Add(c, $"generic constraint of {m.Name}");
                    }
                }
            }
            foreach (ParameterInfo p in m.GetParameters())
            {
                Add(p.ParameterType, $"parameter {p.Name} of {m.Name}");
            }
            foreach (Type t in BodyReferences(m))
            {
                Add(t, $"body of {m.Name}");
            }
        }
        return found;
    }

    /// <summary>Arrays, by-refs and pointers stand for their element; a constructed generic for its definition and arguments.</summary>
    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null || type.IsGenericParameter)
        {
            yield break;
        }
        if (type.HasElementType)
        {
            foreach (Type t in Expand(type.GetElementType()))
            {
                yield return t;
            }
            yield break;
        }
        if (type.IsConstructedGenericType)
        {
            yield return type.GetGenericTypeDefinition();
            foreach (Type arg in type.GetGenericArguments())
            {
                foreach (Type t in Expand(arg))
                {
                    yield return t;
                }
            }
            yield break;
        }
        yield return type;
    }

    private static List<Type> BodyReferences(MethodBase method)
    {
        var types = new List<Type>();
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            return types;
        }
        Module module = method.Module;
        Type[]? typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArgs = method is MethodInfo { IsGenericMethod: true } ? method.GetGenericArguments() : null;
        int pos = 0;
        while (pos < il.Length)
        {
            OpCode op = il[pos] == 0xFE ? TwoByteOpCodes[il[++pos]] : OneByteOpCodes[il[pos]];
            pos++;
            int operandSize = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pos),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField)
            {
                int token = BitConverter.ToInt32(il, pos);
                MemberInfo member = module.ResolveMember(token, typeArgs, methodArgs)!;
                switch (member)
                {
                    case Type t:
                        types.Add(t);
                        break;
                    case FieldInfo f:
                        types.Add(f.DeclaringType!);
                        types.Add(f.FieldType);
                        break;
                    case MethodBase m:
                        types.Add(m.DeclaringType!);
                        if (m is MethodInfo called)
                        {
                            types.Add(called.ReturnType);
                            types.AddRange(called.IsGenericMethod ? called.GetGenericArguments() : []);
                        }
                        types.AddRange(m.GetParameters().Select(p => p.ParameterType));
                        break;
                }
            }
            pos += operandSize;
        }
        return types;
    }
}
