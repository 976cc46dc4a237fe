using System.Globalization;

namespace ChainRule.Explain;

// A recursive-descent parser for the expression language, one method per grammar rule:
//
//   statements := statement (';' statement)* [';']
//   statement  := [NAME '='] sum
//   sum        := product (('+' | '-') product)*
//   product    := unary (('*' | '/' | '@') unary)*
//   unary      := '-' unary | power
//   power      := primary ['^' unary]                 right-associative: 2^3^2 = 2^9, -a^2 = -(a^2)
//   primary    := NUMBER | NAME | FUNCTION '(' sum ')' | '(' sum ')'
//
// '@' binds like '*' (as in Python). A chain of one associative operator written without parentheses (a*b*c,
// a+b+c) becomes one n-ary node; parentheses always start a new node.
internal sealed class Parser
{
    /// <summary>The deepest nesting an expression may have.</summary>
    internal const int MaxDepth = 200;

    private int _depth;

    public static readonly string[] Functions = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "sum", "mean"];

    private readonly List<Token> _tokens;
    private int _next;

    private Parser(string text)
    {
        _tokens = Tokenize(text);
    }

    /// <summary>A statement: "u = a*b*c" has Name u; the unnamed last statement has Name null.</summary>
    public sealed record Statement(string? Name, int Column, Expr Value);

    public static List<Statement> Parse(string text)
    {
        var parser = new Parser(text);
        var statements = new List<Statement>();
        do
        {
            if (parser.Peek.Kind == TokenKind.End && statements.Count > 0)
            {
                break; // a trailing ';'
            }
            statements.Add(parser.ParseStatement());
        }
        while (parser.Accept(TokenKind.Semicolon));
        Token rest = parser.Peek;
        if (rest.Kind != TokenKind.End)
        {
            throw Error(rest, rest.Kind == TokenKind.Close ? "unexpected ')' with no '(' to close" : $"expected an operator, found {Describe(rest)}");
        }
        return statements;
    }

    private Statement ParseStatement()
    {
        Token start = Peek;
        if (start.Kind == TokenKind.Name && _tokens[_next + 1].Kind == TokenKind.Equals)
        {
            _next += 2;
            return new Statement(start.Text, start.Column, ParseSum());
        }
        return new Statement(null, start.Column, ParseSum());
    }

    private Expr ParseSum() => ParseChain(ParseProduct, ('+', Op.Add), ('-', Op.Subtract));

    private Expr ParseProduct() => ParseChain(ParseUnary, ('*', Op.Multiply), ('/', Op.Divide), ('@', Op.MatMul));

    // Left-associative binary operators of one precedence; Add and Multiply extend the chain they started. The chain's
    // operands are collected in a list and the n-ary node built once it closes (a flat sum of n terms is O(n), not O(n^2)).
    private Expr ParseChain(Func<Expr> operand, params (char Symbol, Op Op)[] operators)
    {
        Expr left = operand();
        List<Expr>? chain = null; // the operands of the open Add or Multiply chain, left first
        Op chainOp = default;
        int chainColumn = 0;
        while (true)
        {
            Token token = Peek;
            int k = Array.FindIndex(operators, o => token.Kind == TokenKind.Operator && token.Text[0] == o.Symbol);
            if (k < 0)
            {
                return Close();
            }
            _next++;
            Op op = operators[k].Op;
            Expr right = operand();
            if (chain is not null && chainOp == op)
            {
                chain.Add(right);
                continue;
            }
            left = Close();
            if (op is Op.Add or Op.Multiply)
            {
                (chain, chainOp, chainColumn) = ([left, right], op, token.Column);
            }
            else
            {
                left = new OperationExpr(op, [left, right], token.Column);
            }
        }

        Expr Close()
        {
            if (chain is not null)
            {
                left = new OperationExpr(chainOp, [.. chain], chainColumn);
                chain = null;
            }
            return left;
        }
    }

    // Every nesting the input can make (parentheses, calls, unary minus, a^b^c) passes through here: the depth is
    // counted so that no input controls the recursion beyond MaxDepth (10,000 '(' would overflow the stack).
    private Expr ParseUnary()
    {
        Token token = Peek;
        if (++_depth > MaxDepth)
        {
            throw Error(token, $"the expression nests deeper than {MaxDepth} levels (parentheses, calls, '-' and '^' chains)");
        }
        try
        {
            if (token.Kind == TokenKind.Operator && token.Text == "-")
            {
                _next++;
                return new OperationExpr(Op.Negate, [ParseUnary()], token.Column);
            }
            return ParsePower();
        }
        finally
        {
            _depth--;
        }
    }

    private Expr ParsePower()
    {
        Expr left = ParsePrimary();
        Token token = Peek;
        if (token.Kind == TokenKind.Operator && token.Text == "^")
        {
            _next++;
            return new OperationExpr(Op.Power, [left, ParseUnary()], token.Column);
        }
        return left;
    }

    private Expr ParsePrimary()
    {
        Token token = Peek;
        switch (token.Kind)
        {
            case TokenKind.Number:
                _next++;
                return new NumberExpr(token.Value, token.Column);
            case TokenKind.Name when _tokens[_next + 1].Kind == TokenKind.Open:
                return ParseCall();
            case TokenKind.Name:
                _next++;
                return new NameExpr(token.Text, token.Column);
            case TokenKind.Open:
                _next++;
                Expr inner = ParseSum();
                Expect(TokenKind.Close, $"expected ')' to close the '(' at column {token.Column}");
                return inner;
            default:
                throw Error(token, $"expected a number, a name, a function or '(', found {Describe(token)}");
        }
    }

    private Expr ParseCall()
    {
        Token name = _tokens[_next];
        int index = Array.IndexOf(Functions, name.Text);
        if (index < 0)
        {
            throw Error(name, $"unknown function '{name.Text}'; the functions are {string.Join(", ", Functions)}");
        }
        _next += 2; // the name and '('
        Expr argument = ParseSum();
        if (Peek.Kind == TokenKind.Comma)
        {
            throw Error(Peek, $"{name.Text} takes one argument");
        }
        Expect(TokenKind.Close, $"expected ')' to close {name.Text}( at column {name.Column}");
        return new OperationExpr(Op.Exp + index, [argument], name.Column);
    }

    private Token Peek => _tokens[_next];

    private bool Accept(TokenKind kind)
    {
        if (Peek.Kind != kind)
        {
            return false;
        }
        _next++;
        return true;
    }

    private void Expect(TokenKind kind, string problem)
    {
        if (!Accept(kind))
        {
            throw Error(Peek, Peek.Kind == TokenKind.End ? problem : $"{problem}, found {Describe(Peek)}");
        }
    }

    private static ExpressionException Error(Token token, string problem) => new("expression", token.Column, problem);

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the expression",
        TokenKind.Number => $"the number {token.Text}",
        TokenKind.Name => $"the name '{token.Text}'",
        _ => $"'{token.Text}'",
    };

    private enum TokenKind
    {
        Number,
        Name,
        Operator,
        Open,
        Close,
        Comma,
        Equals,
        Semicolon,
        End,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Column, double Value = 0);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            int column = i + 1;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                int end = NumberEnd(text, i);
                string number = text[i..end];
                if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                {
                    throw new ExpressionException("expression", column, $"'{number}' is not a number");
                }
                tokens.Add(new Token(TokenKind.Number, number, column, value));
                i = end;
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                int end = i;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
                {
                    end++;
                }
                tokens.Add(new Token(TokenKind.Name, text[i..end], column));
                i = end;
            }
            else
            {
                TokenKind kind = c switch
                {
                    '+' or '-' or '*' or '/' or '^' or '@' => TokenKind.Operator,
                    '(' => TokenKind.Open,
                    ')' => TokenKind.Close,
                    ',' => TokenKind.Comma,
                    '=' => TokenKind.Equals,
                    ';' => TokenKind.Semicolon,
                    _ => throw new ExpressionException("expression", column, $"unexpected character '{c}'"),
                };
                tokens.Add(new Token(kind, c.ToString(), column));
                i++;
            }
        }
        tokens.Add(new Token(TokenKind.End, "", text.Length + 1));
        tokens.Add(new Token(TokenKind.End, "", text.Length + 1)); // so a look-ahead of two never runs off the list
        return tokens;
    }

    // Digits, an optional fraction and an optional exponent: 12, 0.5, .5, 1e-3, 2.5E+4.
    private static int NumberEnd(string text, int i)
    {
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }
        if (i < text.Length && (text[i] is 'e' or 'E'))
        {
            int j = i + 1;
            if (j < text.Length && (text[j] is '+' or '-'))
            {
                j++;
            }
            if (j < text.Length && char.IsAsciiDigit(text[j]))
            {
                i = j;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }
            }
        }
        return i;
    }
}
