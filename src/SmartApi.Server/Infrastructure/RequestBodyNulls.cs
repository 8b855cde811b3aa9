using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace SmartApi.Server.Infrastructure;

/// <summary>
/// Refuses a bound request body holding a null where its contract has no room for one: an element
/// of a list or a value of a dictionary whose type argument is not nullable (<c>actions: [null]</c>,
/// <c>tags: {"a": null}</c> on create), or a property that is not nullable. System.Text.Json lets
/// those through: it cannot see the nullability of type arguments (<c>RespectNullableAnnotations</c>
/// covers properties and constructor parameters only), so they reached handlers as nulls nobody
/// expected and ended in 500s. The contracts' own annotations are the rule, so
/// <c>Dictionary&lt;string, string?&gt;</c> (tags on PATCH, where null removes a tag) keeps its nulls.
/// The answer is 400 <c>validation_failed</c> naming each path (<c>actions[0]</c>, <c>trigger.events[1]</c>,
/// <c>tags.room</c>). Attached to every endpoint that binds a body; the plan of what to check is built
/// once per body type, and a type with nothing to check adds no filter at all.
/// </summary>
internal static class RequestBodyNulls
{
    private static readonly ConcurrentDictionary<Type, Node?> Plans = new();

    /// <summary>Adds the check to <paramref name="endpoint"/>; endpoints without a JSON body keep their pipeline as it is.</summary>
    public static void AddTo(EndpointBuilder endpoint) =>
        endpoint.FilterFactories.Add((context, next) =>
        {
            if (endpoint.Metadata.OfType<IAcceptsMetadata>().FirstOrDefault()?.RequestType is not { } bodyType)
            {
                return next;
            }
            var index = Array.FindIndex(context.MethodInfo.GetParameters(), p => p.ParameterType == bodyType);
            var options = context.ApplicationServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            if (index < 0 || Plans.GetOrAdd(bodyType, type => Plan(type, options)) is not { } plan)
            {
                return next;
            }
            return invocation =>
            {
                if (invocation.Arguments[index] is { } body)
                {
                    var errors = new ValidationErrors();
                    Walk(body, plan, [], errors);
                    if (errors.Any)
                    {
                        return ValueTask.FromResult<object?>(errors.ToProblem());
                    }
                }
                return next(invocation);
            };
        });

    /// <summary>What to check below a value; null when nothing below it can hold a forbidden null.</summary>
    private abstract class Node;

    private sealed class ObjectNode : Node
    {
        public List<Member> Members { get; } = [];
    }

    private sealed record Member(string Name, Func<object, object?> Get, bool AllowsNull, Node? Child);

    private sealed class CollectionNode(bool isDictionary, bool allowsNull, Node? element) : Node
    {
        public bool IsDictionary { get; } = isDictionary;
        public bool AllowsNull { get; } = allowsNull;
        public Node? Element { get; } = element;
    }

    private static Node? Plan(Type type, JsonSerializerOptions options)
    {
        var objects = new Dictionary<Type, ObjectNode>();
        var root = Build(type, null, options, new NullabilityInfoContext(), objects);
        return root is ObjectNode { Members.Count: 0 } ? null : root;
    }

    private static Node? Build(Type type, NullabilityInfo? nullability, JsonSerializerOptions options, NullabilityInfoContext context, Dictionary<Type, ObjectNode> objects)
    {
        var info = options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                if (objects.TryGetValue(type, out var known))
                {
                    return known; // a recursive contract: its plan is being built further up
                }
                var node = objects[type] = new ObjectNode();
                foreach (var property in info.Properties)
                {
                    if (property.Get is null)
                    {
                        continue;
                    }
                    var propertyNullability = property.AttributeProvider switch
                    {
                        PropertyInfo p => context.Create(p),
                        FieldInfo f => context.Create(f),
                        _ => null,
                    };
                    var allowsNull = AllowsNull(property.PropertyType, propertyNullability);
                    var child = Build(property.PropertyType, propertyNullability, options, context, objects);
                    if (!allowsNull || child is not null)
                    {
                        node.Members.Add(new Member(property.Name, property.Get, allowsNull, child));
                    }
                }
                return node;
            case JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary:
                var elementType = info.ElementType!;
                // List<T>, T[] and Dictionary<K, V>: the element's annotation is the last type argument (or the array's element).
                var elementNullability = nullability?.ElementType ?? (nullability?.GenericTypeArguments is [.., var last] ? last : null);
                var elementAllowsNull = AllowsNull(elementType, elementNullability);
                var element = Build(elementType, elementNullability, options, context, objects);
                return elementAllowsNull && element is null ? null : new CollectionNode(info.Kind == JsonTypeInfoKind.Dictionary, elementAllowsNull, element);
            default:
                return null;
        }
    }

    /// <summary>Value types hold null only as <see cref="Nullable{T}"/>; a reference type whose annotation is unknown does not.</summary>
    private static bool AllowsNull(Type type, NullabilityInfo? nullability) =>
        type.IsValueType ? Nullable.GetUnderlyingType(type) is not null : nullability is { ReadState: not NullabilityState.NotNull };

    private static void Walk(object value, Node node, List<object> path, ValidationErrors errors)
    {
        switch (node)
        {
            case ObjectNode o:
                foreach (var member in o.Members)
                {
                    path.Add(member.Name);
                    Visit(member.Get(value), member.AllowsNull, member.Child, path, errors);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            case CollectionNode { IsDictionary: true } d when value is IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    path.Add(new DictionaryKey(entry.Key.ToString() ?? ""));
                    Visit(entry.Value, d.AllowsNull, d.Element, path, errors);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            case CollectionNode c when value is IEnumerable items:
                var index = 0;
                foreach (var item in items)
                {
                    path.Add(index++);
                    Visit(item, c.AllowsNull, c.Element, path, errors);
                    path.RemoveAt(path.Count - 1);
                }
                break;
        }
    }

    private static void Visit(object? value, bool allowsNull, Node? child, List<object> path, ValidationErrors errors)
    {
        if (value is null)
        {
            if (!allowsNull)
            {
                var field = Format(path);
                errors.Add(field, $"{field} must not be null: give it a value or leave it out.");
            }
        }
        else if (child is not null)
        {
            Walk(value, child, path, errors);
        }
    }

    private sealed record DictionaryKey(string Key);

    /// <summary>The path as the API's other field errors spell it: <c>actions[0].headers.X-Token</c>.</summary>
    private static string Format(List<object> path)
    {
        var text = new StringBuilder();
        foreach (var segment in path)
        {
            _ = segment switch
            {
                int i => text.Append('[').Append(i).Append(']'),
                DictionaryKey k => text.Append('.').Append(k.Key),
                _ => (text.Length > 0 ? text.Append('.') : text).Append(segment),
            };
        }
        return text.ToString();
    }
}
