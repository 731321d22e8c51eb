using System.Buffers.Binary;
using Vigil.Cluster.Api;

namespace Vigil.Cluster.Serialization.Protobuf;

/// <summary>The protobuf wire types (the low three bits of a field key).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// Reads the protobuf wire format from a span. Every malformation (truncation, overlong varints, bad keys)
/// is a <see cref="ApiException"/> BadRequest naming the problem and the message being read; nothing loops
/// without consuming input, so no input can hang it.
/// </summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _context;
    private int _position;

    public ProtobufReader(ReadOnlySpan<byte> data, string context)
    {
        _data = data;
        _context = context;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Reads a field key. Field number 0 and the wire types protobuf does not define are errors.</summary>
    public (int Number, WireType Wire) ReadKey()
    {
        var key = ReadVarint();
        var number = key >> 3;
        var wire = (int)(key & 7);
        if (number == 0) throw Malformed("illegal field number 0");
        if (number > 536_870_911) throw Malformed($"field number {number} is out of range");
        if (wire > 5) throw Malformed($"illegal wire type {wire} for field {number}");
        return ((int)number, (WireType)wire);
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length) throw Malformed("truncated varint (unexpected end of data)");
            var b = _data[_position++];
            // The tenth byte may only carry the top bit of a 64-bit value.
            if (shift == 63 && b > 1) throw Malformed("varint overflows 64 bits");
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw Malformed("varint is longer than 10 bytes");
    }

    public ulong ReadFixed64()
    {
        if (_data.Length - _position < 8) throw Malformed("truncated fixed64 (unexpected end of data)");
        var value = BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public uint ReadFixed32()
    {
        if (_data.Length - _position < 4) throw Malformed("truncated fixed32 (unexpected end of data)");
        var value = BinaryPrimitives.ReadUInt32LittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw Malformed($"length {length} runs past the end of the data ({_data.Length - _position} bytes left)");
        var slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    /// <summary>Skips a field the table does not know (a newer field, as Go's generated code does).</summary>
    public void Skip(int number, WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: ReadFixed64(); break;
            case WireType.Fixed32: ReadFixed32(); break;
            case WireType.LengthDelimited: ReadLengthDelimited(); break;
            default: throw Malformed($"field {number} uses the group wire type, which Kubernetes never writes");
        }
    }

    public readonly ApiException Malformed(string problem) =>
        ApiException.BadRequest($"the protobuf request body is malformed: {problem} at byte {_position} of {_context}");
}
